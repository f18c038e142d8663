"""The logged-in user's own account page: turn two-factor sign-in on or off, and replace the
recovery codes. Any logged-in user may open it (it only ever touches their own account)."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_login import current_user

from actions.two_factor import (
    enrol_two_factor,
    new_secret,
    regenerate_recovery_codes,
    remaining_recovery_codes,
    turn_off_two_factor,
    two_factor_required,
)
from actions.users import set_time_zone, time_zones
from admin.auth import ENROL_SECRET
from admin.base import current_actor, login_redirect, run_action
from admin.two_factor_forms import CodeForm, qr_code_data_uri, two_factor_policy
from models import db


class AccountView(BaseView):
    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)

    def is_visible(self) -> bool:
        return False  # reached from the user's name in the top bar

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return login_redirect()

    def _page(self, **context: Any) -> ResponseReturnValue:
        user = current_actor()
        return self.render(
            "account/two_factor.html",
            user=user,
            required=two_factor_required(user, two_factor_policy()),
            remaining=remaining_recovery_codes(db.session, user) if user.two_factor_enabled else 0,
            time_zones=time_zones(),
            default_zone=current_app.config["ORDERDESK_DEFAULT_TIMEZONE"],
            **context,
        )

    @expose("/")
    def index(self) -> ResponseReturnValue:
        return self._page(form=CodeForm())

    @expose("/time-zone", methods=("POST",))
    def time_zone(self) -> ResponseReturnValue:
        """Show this user every date and time in the chosen zone (empty: the site's default)."""
        user = current_actor()
        run_action(
            lambda: set_time_zone(db.session, user, request.form.get("time_zone", "").strip() or None),
            done="Dates and times are now shown in your time zone.",
        )
        return redirect(url_for(".index"))

    @expose("/two-factor/setup", methods=("GET", "POST"))
    def setup(self) -> ResponseReturnValue:
        user = current_actor()
        if user.two_factor_enabled:
            return redirect(url_for(".index"))
        secret = session.setdefault(ENROL_SECRET, new_secret())
        form = CodeForm()
        if form.validate_on_submit():
            outcome = run_action(
                lambda: enrol_two_factor(db.session, user, secret, form.code.data or ""),
                done="Two-factor sign-in is on.",
            )
            if outcome.result is not None:
                session.pop(ENROL_SECRET, None)
                return self._page(form=CodeForm(formdata=None), codes=outcome.result)
        return self.render(
            "account/two_factor_setup.html", form=form, secret=secret, qr_code=qr_code_data_uri(user, secret)
        )

    @expose("/two-factor/recovery-codes", methods=("POST",))
    def new_recovery_codes(self) -> ResponseReturnValue:
        user = current_actor()
        form = CodeForm()
        if form.validate_on_submit():
            outcome = run_action(
                lambda: regenerate_recovery_codes(db.session, user, form.code.data or ""),
                done="New recovery codes made; the old ones no longer work.",
            )
            if outcome.result is not None:
                return self._page(form=CodeForm(formdata=None), codes=outcome.result)
        return self._page(form=form)

    @expose("/two-factor/off", methods=("POST",))
    def turn_off(self) -> ResponseReturnValue:
        user = current_actor()
        form = CodeForm()
        if form.validate_on_submit():
            done = run_action(
                lambda: turn_off_two_factor(
                    db.session, user, form.code.data or "", policy=two_factor_policy()
                ),
                done="Two-factor sign-in is off.",
            ).ok
            if done:
                return redirect(url_for(".index"))
        return self._page(form=form)
