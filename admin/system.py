"""System pages: back-office users (admins only) and the audit log (read-only)."""

from __future__ import annotations

from typing import Any

from flask import has_app_context, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import filters
from markupsafe import Markup
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import joinedload, load_only
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from actions.api_tokens import token_rows
from actions.history import AUDIT_ACTIONS, action_label, describe_entry, entity_name
from actions.two_factor import reset_two_factor_of_users
from actions.users import MIN_PASSWORD_LENGTH, create_user, update_user
from admin.account_tokens import revoke_named_token
from admin.base import SecuredModelView, parse_id, run_action
from admin.capped_grid import CappedCountGrid
from admin.choices import select_choices
from admin.orders.filters import prefix_match
from models import ROLES, AuditEntry, Order, User, db, utcnow


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
    details_template = "system/user_details.html"

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

    @expose("/tokens/<token_id>/revoke", methods=("POST",))
    def revoke_token(self, token_id: str) -> ResponseReturnValue:
        """Revoke one of the user's API tokens (a lost laptop, a leaked script)."""
        token = revoke_named_token(token_id)
        if token is None:
            return redirect(self.get_url(".index_view"))
        return redirect(self.get_url(".details_view", id=token.user_id))

    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["token_rows"] = token_rows(db.session, kwargs["model"], now=utcnow())
        return super().render(template, **kwargs)


def audit_search_condition(term: str) -> ColumnElement[bool]:
    """The audit log's search box: an order number by prefix ('so-0000' finds SO-000042),
    deleted orders included, through the index on audit_entries.order_identifier."""
    return prefix_match(AuditEntry.order_identifier, term.upper())


def _action(view: Any, context: Any, model: AuditEntry, name: str) -> str:
    return action_label(model.action)


def _entity(view: Any, context: Any, model: AuditEntry, name: str) -> str:
    return entity_name(model.entity_type, model.entity_id, model.entity_label, model.changes)


def _order(view: Any, context: Any, model: AuditEntry, name: str) -> Markup | str:
    """A link to the order while it exists; a deleted order's number, marked as deleted."""
    number = model.order_identifier or (f"#{model.order_id}" if model.order_id is not None else "")
    if model.order is not None:
        url = url_for("orders.details_view", id=model.order.id)
        return Markup('<a href="{}" class="audit-order">{}</a>').format(url, model.order.identifier or number)
    return f"{number} (deleted)" if number else ""


def _changes(view: Any, context: Any, model: AuditEntry, name: str) -> Markup:
    """The change in words: its title, then one "Field: old → new" line per field."""
    described = describe_entry(model)
    lines = [Markup("<strong>{}</strong>").format(described.title)]
    lines += [Markup("{}").format(line) for line in described.lines]
    return Markup('<div class="audit-changes">{}</div>').format(Markup("<br>").join(lines))


def _user_options() -> list[tuple[str, str]]:
    if not has_app_context():
        return []  # Flask-Admin builds its filters once at start; the list is read per page
    users = db.session.execute(select(User.id, User.full_name, User.email).order_by(User.full_name, User.id))
    return [(str(row.id), row.full_name or row.email) for row in users]


class UserFilter(filters.FilterEqual):
    """Entries by the user who made them, chosen by name; unknown ids are ignored."""

    def validate(self, value: str) -> bool:
        return value.isdigit()

    def clean(self, value: str) -> int:
        return int(value)


class ActionFilter(filters.FilterEqual):
    """Entries of one action, listed by label ('Mark as Shipped'); unknown codes are ignored."""

    def validate(self, value: str) -> bool:
        return value in AUDIT_ACTIONS


class AuditView(CappedCountGrid, SecuredModelView):
    view_permission = "view_audit"
    manage_permission = "manage_users"
    can_create = False
    can_edit = False
    can_delete = False

    column_list = ("occurred_at", "actor", "action", "entity_type", "order_identifier", "changes")
    column_labels = {
        "occurred_at": "When",
        "actor": "User",
        "entity_type": "What",
        "order_identifier": "Order",
        "changes": "Changes",
    }
    column_formatters = {
        "action": _action,
        "entity_type": _entity,
        "order_identifier": _order,
        "changes": _changes,
    }
    column_filters = (
        UserFilter(AuditEntry.actor_id, "User", options=_user_options),
        ActionFilter(AuditEntry.action, "Action", options=lambda: list(AUDIT_ACTIONS.items())),
        filters.DateTimeBetweenFilter(AuditEntry.occurred_at, "When"),
    )
    # A search box needs a declared field to show; the query itself is audit_search_condition().
    column_searchable_list = ("order_identifier",)
    column_default_sort = ("id", True)
    column_details_list = ("occurred_at", "actor", "action", "entity_type", "order_identifier", "changes")

    def search_placeholder(self) -> str:
        return "Order number"

    def get_query(self) -> Any:
        """Each row with its user and, while it exists, its order: one statement per page."""
        return (
            super()
            .get_query()
            .options(
                joinedload(AuditEntry.actor),
                joinedload(AuditEntry.order).options(load_only(Order.id, Order.identifier)),
            )
        )

    def _get_filter_groups(self) -> Any:
        self._refresh_filters_cache()  # the user filter lists the users there are now
        return super()._get_filter_groups()

    def get_one(self, id: Any) -> Any:
        """The entry with its actor and order, or None for a missing or malformed id."""
        entry_id = parse_id(id)
        if entry_id is None:
            return None
        return self.get_query().filter(AuditEntry.id == entry_id).one_or_none()

    def term_condition(self, term: str) -> ColumnElement[bool]:
        return audit_search_condition(term)


def system_views() -> list[SecuredModelView]:
    return [
        UserView(User, name="Users", category="System", endpoint="users"),
        AuditView(AuditEntry, name="Audit Log", category="System", endpoint="audit"),
    ]
