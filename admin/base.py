"""The secured base views every admin page derives from: login, permissions, domain errors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, url_for
from flask_admin import AdminIndexView
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from actions.errors import DomainError
from actions.permissions import has_permission
from admin.converters import OrderDeskModelConverter
from admin.timeformat import TYPE_FORMATTERS
from models import db, record_id

CONFLICT = (
    "This was saved at the same moment by another request, so nothing was changed. "
    "Reload the page and check before trying again."
)
logger = logging.getLogger(__name__)
# Past this page the offset would overflow a 64-bit integer on some databases.
MAX_PAGE = 10**9
T = TypeVar("T")


def parse_id(value: object) -> int | None:
    """A record id from a request, or None: ASCII digits only ('²' is a digit to Python too)."""
    return record_id(str(value or "").strip())


def current_actor() -> Any:
    """The logged-in user as a model object, for actions' `actor` argument."""
    return current_user._get_current_object()


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What running an action gave: its result, or the refusal (nothing was changed then)."""

    result: T | None = None
    refusal: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.refusal is None


def run_action(
    operation: Callable[[], T],
    *,
    done: str | Callable[[T], str] | None = None,
    flash_refusal: bool = True,
) -> Outcome[T]:
    """Run one action as one unit of work: committed on success (flashing `done`), rolled back
    on refusal, with the DomainError's message flashed."""
    try:
        try:
            result = run_in_transaction(operation)
        except IntegrityError as exc:
            # Two requests saving the same thing at once: a unique key or a row the other
            # one removed. The database kept one; this one changes nothing.
            logger.warning("Refused a conflicting write: %s", exc.orig)
            raise DomainError(CONFLICT) from exc
    except DomainError as exc:
        if flash_refusal:
            flash(exc.message, "error")
        return Outcome(refusal=exc)
    if done is not None:
        flash(done(result) if callable(done) else done, "success")
    return Outcome(result=result)


def run_preview(operation: Callable[[], T]) -> Outcome[T]:
    """Run an action for what it would give, then roll back whatever it changed in memory
    (a preview saves nothing, whether it succeeded or was refused)."""
    try:
        return Outcome(result=run_read(operation))
    except DomainError as exc:
        return Outcome(refusal=exc)


def run_in_transaction(operation: Callable[[], T], *, session: Any = None) -> T:
    """Run operation as one transaction of its own, in `session` (db.session by default):
    commit when it returns, roll back and re-raise whatever it raised. With run_read, the only
    place admin/ commits or rolls back: a request's action, a job worker's claim, chunk or
    failure."""
    session = session if session is not None else db.session
    try:
        result = operation()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def run_read(operation: Callable[[], T]) -> T:
    """Run operation, then roll back whatever it did: a preview saves nothing, and a worker
    that waits between two looks holds no snapshot (nor, on SQLite, the read lock that keeps
    the log growing)."""
    try:
        return operation()
    finally:
        db.session.rollback()


def user_can(permission: str) -> bool:
    """Tell whether the logged-in user holds a permission (False when logged out)."""
    return bool(current_user.is_authenticated and has_permission(current_user, permission))


class OrderDeskFilterConverter(FilterConverter):
    """Flask-Admin picks filters by column type name; UTCDateTime is a datetime to it."""

    def convert(self, type_name: str, column: Any, name: str, **kwargs: Any) -> Any:
        if type_name == "UTCDateTime":
            type_name = "datetime"
        return super().convert(type_name, column, name, **kwargs)


def login_redirect() -> Any:
    """To the login page, then back here; a dialog's form (?dialog=1) comes back as its full
    page, since the page that held the dialog is gone."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "dialog"]
    back = request.path + ("?" + urlencode(args) if args else "")
    return redirect(url_for("auth.login", next=back))


class SecuredIndexView(AdminIndexView):
    """The dashboard: any logged-in user may see it."""

    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return login_redirect()


class SecuredModelView(ModelView):
    """A model view that needs a login and checks the role table on every request.

    `view_permission` guards reading; `manage_permission` guards create, edit and every POST;
    `delete_permission` guards delete (the manage permission unless a view says otherwise).
    """

    view_permission = "view_orders"
    manage_permission = "manage_users"
    delete_permission: str | None = None
    # View methods answering scripts (JSON): refused with a bare 403, not a redirect.
    json_endpoints: frozenset[str] = frozenset()
    # View methods any reader may POST to: their own preferences (saved grid views), no data.
    reader_posts: frozenset[str] = frozenset()

    can_view_details = True
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    model_form_converter = OrderDeskModelConverter
    filter_converter = OrderDeskFilterConverter()
    named_filter_urls = True  # ?flt1_internal_status_equals=open reads better than ?flt1_9=open
    can_set_page_size = True
    page_size = 50
    page_size_options = (20, 50, 100)
    list_template = "admin/secured_list.html"

    def __init__(self, model: type, **kwargs: Any) -> None:
        super().__init__(model, db, **kwargs)

    def is_accessible(self) -> bool:
        return user_can(self.view_permission)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return login_redirect()
        flash("You do not have permission to open this page.", "error")
        return redirect(url_for("admin.index"))

    # Flask-Admin reads these on every request, so a role change takes effect at once.
    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return user_can(self.manage_permission)

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return user_can(self.manage_permission)

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return user_can(self.manage_permission) and user_can(self.delete_permission or self.manage_permission)

    def post_allowed(self, name: str) -> bool:
        """Whether the user may POST to this view method: with the manage permission, or to
        one of the reader_posts."""
        return name in self.reader_posts or user_can(self.manage_permission)

    def _handle_view(self, name: str, **kwargs: Any) -> Any:
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        if request.method == "POST" and not self.post_allowed(name):
            if name in self.json_endpoints:
                abort(403)
            flash("You do not have permission to perform this action.", "error")
            return redirect(self.get_url(".index_view"))
        return None

    def get_one(self, id: Any) -> Any:
        """The record an id names, or None for a missing or malformed one ('1,2', '2**64')."""
        record_id = parse_id(id)
        return db.session.get(self.model, record_id) if record_id is not None else None

    def _get_list_extra_args(self) -> Any:
        """The grid's query string, with a page number no database refuses (0 … MAX_PAGE)."""
        args = super()._get_list_extra_args()
        if args.page and not 0 <= args.page <= MAX_PAGE:
            args = args.clone(page=min(max(args.page, 0), MAX_PAGE))
        return args

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, DomainError):
            flash(exc.message, "error")
            return True
        return super().handle_view_exception(exc)
