"""Account > API Tokens: every logged-in user makes, lists and revokes their own tokens.

A new token's secret is shown once, in the answer to the form that made it: never in a URL,
a redirect or the (signed, not encrypted) session cookie.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Optional

from actions.api_tokens import (
    MAX_EXPIRY_DAYS,
    MAX_NAME,
    NewToken,
    create_api_token,
    revoke_api_token,
    token_rows,
)
from admin.base import current_actor, login_redirect, parse_id, run_action
from admin.choices import select_choices
from models import ApiToken, db, utcnow

OTHER = "other"
EXPIRY_CHOICES = (
    ("30", "In 30 days"),
    ("90", "In 90 days"),
    ("365", "In 365 days"),
    ("never", "Never"),
    (OTHER, "After a number of days…"),
)
NO_TOKEN = "There is no such API token: it may have been removed, or the link is incomplete."


class NewTokenForm(FlaskForm):
    name = StringField("Name", render_kw={"maxlength": MAX_NAME, "placeholder": "e.g. Warehouse sync"})
    expires = SelectField("Expires", choices=select_choices(EXPIRY_CHOICES), default="90")
    days = IntegerField(
        "Number of days",
        validators=[Optional()],
        render_kw={"min": 1, "max": MAX_EXPIRY_DAYS},
        description="Used with “After a number of days…”.",
    )

    def validate(self, extra_validators: Any = None) -> bool:
        """The number of days is needed with "After a number of days…" only."""
        if not super().validate(extra_validators):
            return False
        if self.expires.data == OTHER and self.days.data is None:
            self.days.errors.append(f"Enter after how many days the token expires (1 to {MAX_EXPIRY_DAYS}).")
            return False
        return True

    def expires_days(self) -> int | None:
        """The chosen lifetime in days; None: until revoked."""
        if self.expires.data == OTHER:
            return self.days.data
        return None if self.expires.data == "never" else int(self.expires.data or 0)


def revoke_named_token(token_id: str) -> ApiToken | None:
    """Revoke the token an id names, flashing the outcome (the action checks whose it is);
    the token, or None when there is none."""
    record_id = parse_id(token_id)
    token = db.session.get(ApiToken, record_id) if record_id is not None else None
    if token is None:
        flash(NO_TOKEN, "error")
        return None
    run_action(
        lambda: revoke_api_token(db.session, token, actor=current_actor(), now=utcnow()),
        done=f"The token {token.name!r} no longer works.",
    )
    return token


class ApiTokensView(BaseView):
    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)

    def is_visible(self) -> bool:
        return False  # reached from the account page

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return login_redirect()

    def _page(self, form: NewTokenForm, created: NewToken | None = None) -> ResponseReturnValue:
        rows = token_rows(db.session, current_actor(), now=utcnow())
        return self.render("account/api_tokens.html", rows=rows, form=form, created=created)

    @expose("/", methods=("GET", "POST"))
    def index(self) -> ResponseReturnValue:
        """The list and the form; a POST makes a token and shows its secret in this answer."""
        form = NewTokenForm()
        if form.validate_on_submit():
            outcome = run_action(
                lambda: create_api_token(
                    db.session,
                    current_actor(),
                    name=form.name.data or "",
                    expires_days=form.expires_days(),
                    now=utcnow(),
                )
            )
            if outcome.result is not None:
                return self._page(NewTokenForm(formdata=None), created=outcome.result)
        return self._page(form)

    @expose("/<token_id>/revoke", methods=("POST",))
    def revoke(self, token_id: str) -> ResponseReturnValue:
        revoke_named_token(token_id)
        return redirect(url_for(".index"))
