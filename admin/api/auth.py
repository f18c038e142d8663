"""Who an API request acts as: the user of the `Authorization: Bearer` token, and nobody else.

No cookie is read or set on the API, so no CSRF token is needed: a browser's session does not
authenticate it. Every request is rate limited per token (ORDERDESK_API_RATE_LIMIT).
"""

from __future__ import annotations

import hashlib
import time

from flask import Flask, Request, Response, abort, current_app, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from werkzeug.exceptions import HTTPException

from actions.api_tokens import NOT_VALID, token_user
from actions.audit import set_actor
from admin.auth import limiter
from admin.base import run_action
from admin.problems import is_api_request, problem
from models import User, db, utcnow


class PanelOnlySessions(SecureCookieSessionInterface):
    """The panel's cookie session, neither read nor written under /api/: a browser's session
    cookie cannot act on the API, and no API answer sets a cookie (a permanent session would
    otherwise be sent again with every answer)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if is_api_request():
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not is_api_request():
            super().save_session(app, session, response)


def bearer_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def rate_limit_key() -> str:
    """The token (hashed: keys may be stored in Redis), else the caller's address."""
    secret = bearer_secret()
    if secret:
        return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "address:" + (request.remote_addr or "?")


def rate_limit() -> str:
    return str(current_app.config["ORDERDESK_API_RATE_LIMIT"])


def too_many_requests(error: HTTPException) -> Response:
    """A 429 as a problem document: the limit, and in Retry-After when the count starts again."""
    headers = {}
    if (breached := limiter.current_limit) is not None:
        headers["Retry-After"] = str(max(1, breached.reset_at - int(time.time())))
    detail = f"Too many requests with this token (at most {error.description}); wait and try again."
    return problem(429, detail, headers=headers)


def authenticate() -> None:
    """Before every API call (docs and contract aside): find the token's user or answer 401.
    The token's last use is committed at once, whatever the call does after."""
    secret = bearer_secret()
    if secret is None:
        abort(401, NOT_VALID)
    found = run_action(lambda: token_user(db.session, secret, now=utcnow()), flash_refusal=False)
    if found.result is None:
        abort(401, NOT_VALID)
    token, user = found.result
    g.api_user = user
    g.api_token_id = token.id
    set_actor(db.session(), user.id)


def api_actor() -> User:
    """The user the request's token acts as (authenticate() has run)."""
    return g.api_user  # type: ignore[no-any-return]
