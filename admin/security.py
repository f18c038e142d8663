"""App-wide protections: CSRF on every POST, no NUL characters in what a request sends, and
security headers on every response.

Scripts run only from this origin or with the request's nonce: no inline handlers anywhere
(Flask-Admin's few are overridden under templates/admin/), so 'unsafe-inline' is not needed.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, Response, abort, g, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def csp_nonce() -> str:
    """This request's script nonce (Flask-Admin puts it on the scripts it renders)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


NUL_REFUSED = "The request holds a NUL character (code 0), which no field can store. Nothing was changed."


def _holds_nul(value: Any) -> bool:
    """Whether a string, or any string inside pairs, lists or a JSON value, holds a NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        value = list(value.items())
    return isinstance(value, list | tuple) and any(_holds_nul(item) for item in value)


def refuse_nul_characters() -> None:
    """PostgreSQL can neither store a NUL character in text nor compare text with one (the
    statement fails), and no person types one: a query string, form or JSON body holding one
    is refused before any view or validator reads it, the same on every database. It is
    checked here, once per request, because a scaffolded form's validators query the
    database before any action sees the value.

    Raises: UnprocessableEntity (422, as for any field the API cannot take) naming the
    character."""
    sent = [
        list(request.args.items(multi=True)),
        list(request.form.items(multi=True)),
        request.get_json(silent=True) if request.is_json else None,
    ]
    if _holds_nul(sent):
        abort(422, description=NUL_REFUSED)


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def init_security(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(refuse_nul_characters)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(nonce=csp_nonce())
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("ORDERDESK_HTTPS"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if not _is_static(request.endpoint):
            # Order data never lands in a shared or browser cache, pages and exports alike.
            response.headers["Cache-Control"] = "no-store"
        return response
