"""System pages: back-office users (admins only) and the audit log (read-only)."""

from __future__ import annotations

from typing import Any

from flask_admin.actions import action
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from actions.two_factor import reset_two_factor_of_users
from actions.users import MIN_PASSWORD_LENGTH, create_user, update_user
from admin.base import SecuredModelView, run_action
from admin.choices import select_choices
from models import ROLES, AuditEntry, User, db


class UserView(SecuredModelView):
    """Back-office users; the rules (password policy, unique emails, at least one active
    administrator) are in actions/users.py."""

    view_permission = "manage_users"
    manage_permission = "manage_users"
    can_delete = False  # users own orders and audit rows; deactivate them instead

    column_list = ("email", "full_name", "role", "active", "two_factor_enabled", "created_at")
    column_labels = {"two_factor_enabled": "Two-factor"}
    column_searchable_list = ("email", "full_name")
    column_filters = ("role", "active")
    column_details_list = ("email", "full_name", "role", "active", "two_factor_enabled", "created_at")
    form_columns = ("email", "full_name", "role", "active", "password")
    form_extra_fields = {
        "password": PasswordField(
            "Password",
            validators=[Optional()],
            description=f"At least {MIN_PASSWORD_LENGTH} characters. "
            "Leave empty to keep the current password.",
        ),
    }
    form_overrides = {"role": SelectField, "email": StringField}
    form_args = {
        "role": {"choices": select_choices((r, r.capitalize()) for r in ROLES)},
        "email": {"validators": [DataRequired()]},
    }

    def create_model(self, form: Any) -> Any:
        outcome = run_action(
            lambda: create_user(
                db.session,
                form.email.data or "",
                full_name=form.full_name.data or "",
                role=form.role.data,
                password=form.password.data or "",
                active=bool(form.active.data),
            )
        )
        return outcome.result or False

    def update_model(self, form: Any, model: User) -> bool:
        return run_action(
            lambda: update_user(
                db.session,
                model,
                email=form.email.data or "",
                full_name=form.full_name.data or "",
                role=form.role.data,
                active=bool(form.active.data),
                password=form.password.data or None,
            )
        ).ok

    @action(
        "reset_two_factor",
        "Reset two-factor sign-in",
        "Reset two-factor sign-in of {count} selected user{s}? Their sessions end; where it is "
        "required they set it up again at their next login.",
    )
    def action_reset_two_factor(self, ids: list[str]) -> None:
        users = [user for user in map(self.get_one, ids) if user is not None]

        def report(reset: list[User]) -> str:
            skipped = len(users) - len(reset)
            text = f"Two-factor sign-in reset for {len(reset)} {'user' if len(reset) == 1 else 'users'}"
            return text + (f"; {skipped} had none." if skipped else ".")

        run_action(lambda: reset_two_factor_of_users(db.session, users), done=report)


class AuditView(SecuredModelView):
    view_permission = "view_audit"
    manage_permission = "manage_users"
    can_create = False
    can_edit = False
    can_delete = False

    column_list = ("occurred_at", "actor", "action", "entity_type", "entity_id", "order_id")
    column_filters = ("action", "entity_type", "entity_id", "order_id", "occurred_at")
    column_default_sort = ("id", True)
    column_details_list = (
        "occurred_at",
        "actor",
        "action",
        "entity_type",
        "entity_id",
        "order_id",
        "changes",
    )


def system_views() -> list[SecuredModelView]:
    return [
        UserView(User, name="Users", category="System", endpoint="users"),
        AuditView(AuditEntry, name="Audit Log", category="System", endpoint="audit"),
    ]
