"""Login and logout: Flask-Login sessions, throttled attempts, local-only redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from actions.audit import set_actor
from actions.users import authenticate, end_sessions, session_token_for, session_user
from admin.base import run_action
from models import User, db

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
LOGIN_LIMIT = "10 per minute"


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
    return "account:" + (request.form.get("email") or "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])  # per address
@limiter.limit(LOGIN_LIMIT, methods=["POST"], key_func=_login_account)
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
            # A fresh session: nothing from before the login is kept, and it carries the
            # user's session token; it ends after the idle time or when the token changes.
            session.clear()
            run_action(lambda: session_token_for(user))
            login_user(user)
            session.permanent = True
            return redirect(safe_next(request.args.get("next")))
        flash("Invalid email or password.", "error")
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        user = current_user._get_current_object()
        run_action(lambda: end_sessions(user))  # this session and the user's others end
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("auth.login"))


def too_many_attempts(error: Exception) -> tuple[str, int]:
    """Say why the login is refused instead of a bare 429."""
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
