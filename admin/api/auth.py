"""Who an API request acts as: the user of the `Authorization: Bearer` token, and nobody else.

No cookie is read or set on the API (admin/sessions.py), so no CSRF token is needed: a
browser's session does not authenticate it. Every request is rate limited per token
(ORDERDESK_API_RATE_LIMIT); calls refused for their token are counted per address as well
(ORDERDESK_API_REFUSED_TOKEN_LIMIT), since each made-up token would otherwise have a fresh
count of its own.
"""

from __future__ import annotations

import hashlib
import time

from flask import Response, abort, current_app, g, request
from werkzeug.exceptions import HTTPException

from actions.api_tokens import NOT_VALID, token_user
from actions.audit import set_actor
from admin.auth import limiter
from admin.base import run_action
from admin.problems import problem
from models import User, db, utcnow

REFUSED_TOKEN_SCOPE = "api-refused-token"


def bearer_secret() -> str | None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" and secret.strip() else None


def rate_limit_key() -> str:
    """The token (hashed: keys may be stored in Redis), else the caller's address."""
    secret = bearer_secret()
    if secret:
        return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return caller_address()


def caller_address() -> str:
    return "address:" + (request.remote_addr or "?")


def rate_limit() -> str:
    return str(current_app.config["ORDERDESK_API_RATE_LIMIT"])


def refused_token_limit() -> str:
    return str(current_app.config["ORDERDESK_API_REFUSED_TOKEN_LIMIT"])


def token_refused(response: Response) -> bool:
    """Only refusals count against the address: a team's scripts behind one address call
    the API all day."""
    return response.status_code == 401


def too_many_requests(error: HTTPException) -> Response:
    """A 429 as a problem document: the limit, and in Retry-After when the count starts again."""
    headers = {}
    breached = limiter.current_limit
    if breached is not None:
        headers["Retry-After"] = str(max(1, breached.reset_at - int(time.time())))
    if breached is not None and f"/{REFUSED_TOKEN_SCOPE}/" in breached.key:
        detail = (
            f"Too many calls from this address with a token that is not valid (at most "
            f"{error.description}); wait and try again with a valid token."
        )
    else:
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
