"""Who an API request acts as: the user of the `Authorization: Bearer` token, and nobody else
(common.authenticate() finds it before every call).

No cookie is read or set on the API, so no CSRF token is needed: a browser's session does not
authenticate it. Every request is rate limited per token (ORDERDESK_API_RATE_LIMIT).
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, request

from models import User


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


def api_actor() -> User:
    """The user the request's token acts as (authenticate() has run)."""
    return g.api_user  # type: ignore[no-any-return]
