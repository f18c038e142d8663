"""System pages: back-office users (admins only) and the audit log (read-only)."""

from __future__ import annotations

from typing import Any

from flask import flash
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Optional

from actions.errors import DomainError
from actions.users import create_user, hash_password
from admin.base import SecuredModelView
from admin.choices import select_choices
from models import ROLES, AuditEntry, User, db


class UserView(SecuredModelView):
    view_permission = "manage_users"
    manage_permission = "manage_users"
    can_delete = False  # users own orders and audit rows; deactivate them instead

    column_list = ("email", "full_name", "role", "active", "created_at")
    column_searchable_list = ("email", "full_name")
    column_filters = ("role", "active")
    column_details_list = ("email", "full_name", "role", "active", "created_at")
    form_columns = ("email", "full_name", "role", "active", "password")
    form_extra_fields = {
        "password": PasswordField(
            "Password",
            validators=[Optional()],
            description="At least 8 characters. Leave empty to keep the current password.",
        ),
    }
    form_overrides = {"role": SelectField, "email": StringField}
    form_args = {
        "role": {"choices": select_choices((r, r.capitalize()) for r in ROLES)},
        "email": {"validators": [DataRequired(), Email()]},
    }

    def create_model(self, form: Any) -> Any:
        try:
            user = create_user(
                db.session,
                form.email.data,
                full_name=form.full_name.data or "",
                role=form.role.data,
                password=form.password.data or "",
            )
            user.active = bool(form.active.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return False
        return user

    def on_model_change(self, form: Any, model: User, is_created: bool) -> None:
        if not is_created and form.password.data:
            model.password_hash = hash_password(form.password.data)


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
