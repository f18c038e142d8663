"""Login and logout: Flask-Login sessions, throttled attempts, local-only redirects, and the
second step (an authenticator or recovery code) for users with two-factor sign-in.

Between the password and the code the session holds only a "pending login" (the user's
session id and when the password was checked); the user is logged in once the code is right.
Every POST to either step counts toward the same limits per account and per address."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from werkzeug.exceptions import TooManyRequests
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from actions.audit import set_actor
from actions.two_factor import enrol_two_factor, new_secret, two_factor_required, verify_second_factor
from actions.users import authenticate, end_sessions, session_token_for, session_user
from admin.base import run_action
from admin.problems import http_problem, is_api_request
from admin.two_factor_forms import CodeForm, qr_code_data_uri, two_factor_policy
from models import User, db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
LOGIN_LIMIT = "10 per minute"
PENDING_LOGIN = "pending_login"
ENROL_SECRET = "enrol_secret"
PENDING_SECONDS = 300  # time to enter the code after the password


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


def safe_next(target: str | None) -> str:
    """Return `target` only if it is a path on this site; anything else goes to the dashboard."""
    fallback = url_for("admin.index")
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


@login_manager.user_loader
def load_user(remembered: str) -> User | None:
    return session_user(db.session, remembered)


def _login_account() -> str:
    """The account a login attempt is for: its failures count whatever address they come from."""
    pending = pending_user()
    email = pending.email if pending is not None else request.form.get("email") or ""
    return "account:" + email.strip().lower()


def _failed(response: Response) -> bool:
    """A refused attempt shows its form again (200); one that signs in, or moves on to the
    next step, redirects. Only refusals count: a team behind one office address signs in
    every morning."""
    return response.status_code == 200


# Shared by the password and the code steps: a wrong code costs as much as a wrong password.
per_address = limiter.shared_limit(LOGIN_LIMIT, scope="login-address", methods=["POST"], deduct_when=_failed)
per_account = limiter.shared_limit(
    LOGIN_LIMIT, scope="login-account", key_func=_login_account, methods=["POST"], deduct_when=_failed
)


def pending_user() -> User | None:
    """The user whose password was checked in this session within the last few minutes."""
    pending = session.get(PENDING_LOGIN)
    if not isinstance(pending, dict) or time.time() - float(pending.get("since", 0)) > PENDING_SECONDS:
        return None
    return session_user(db.session, str(pending.get("user", "")))


def _start_session(user: User, *, pending: bool) -> str:
    """Start a fresh session (nothing from before is kept) carrying the user's session token;
    it ends after the idle time or when the token changes. A `pending` one waits for the code.
    Returns where the user goes once logged in."""
    pending_login = session.get(PENDING_LOGIN)
    asked_for = pending_login.get("next") if isinstance(pending_login, dict) else request.args.get("next")
    next_url = safe_next(asked_for)
    session.clear()
    run_action(lambda: session_token_for(user))
    if pending:
        session[PENDING_LOGIN] = {"user": user.get_id(), "since": time.time(), "next": next_url}
    else:
        login_user(user)
    session.permanent = True
    return next_url


@bp.route("/login", methods=["GET", "POST"])
@per_address
@per_account
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        # Committed: a password rehash, if one was needed, is kept.
        user = run_action(
            lambda: authenticate(db.session, form.email.data or "", form.password.data or "")
        ).result
        if user is not None:
            if user.two_factor_enabled:
                _start_session(user, pending=True)
                return redirect(url_for("auth.second_factor"))
            if two_factor_required(user, two_factor_policy()):
                _start_session(user, pending=True)
                return redirect(url_for("auth.enrol"))
            return redirect(_start_session(user, pending=False))
        flash("Invalid email or password.", "error")
    return render_template("auth/login.html", form=form)


def _login_again() -> ResponseReturnValue:
    session.pop(PENDING_LOGIN, None)
    flash("Please log in again.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@per_address
@per_account
def second_factor() -> ResponseReturnValue:
    user = pending_user()
    if user is None or not user.two_factor_enabled:
        return _login_again()
    form = CodeForm()
    if form.validate_on_submit():
        if run_action(lambda: verify_second_factor(db.session, user, form.code.data or "")).ok:
            return redirect(_start_session(user, pending=False))
    return render_template("auth/two_factor_code.html", form=form, user=user)


@bp.route("/login/two-factor-setup", methods=["GET", "POST"])
@per_address
@per_account
def enrol() -> ResponseReturnValue:
    """The first login of a user the policy obliges to use two-factor sign-in."""
    user = pending_user()
    if user is None or user.two_factor_enabled:
        return _login_again()
    secret = session.setdefault(ENROL_SECRET, new_secret())
    form = CodeForm()
    if form.validate_on_submit():
        codes = run_action(lambda: enrol_two_factor(db.session, user, secret, form.code.data or "")).result
        if codes is not None:
            next_url = _start_session(user, pending=False)
            return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)
    return render_template(
        "auth/two_factor_enrol.html",
        form=form,
        user=user,
        secret=secret,
        qr_code=qr_code_data_uri(user, secret),
    )


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        run_action(lambda: end_sessions(user))  # this session and the user's others end
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"))


def too_many_attempts(error: TooManyRequests) -> Any:
    """Say why the login is refused instead of a bare 429 (the API answers a problem)."""
    if is_api_request():
        return http_problem(error)
    flash(
        "Too many login attempts for this account or from this address. Wait a minute before trying again.",
        "error",
    )
    return render_template("auth/login.html", form=LoginForm()), 429


def init_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    limiter.init_app(app)
    app.register_blueprint(bp)
    app.register_error_handler(429, too_many_attempts)

    @app.before_request
    def _attribute_changes_to_user() -> None:
        set_actor(db.session(), current_user.id if current_user.is_authenticated else None)

    @app.route("/")
    def root() -> ResponseReturnValue:
        return redirect(url_for("admin.index"))
