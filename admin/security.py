"""App-wide protections: CSRF on every POST and security headers on every response.

Scripts run only from this origin or with the request's nonce: no inline handlers anywhere
(Flask-Admin's few are overridden under templates/admin/), so 'unsafe-inline' is not needed.
"""

from __future__ import annotations

import secrets

from flask import Flask, Response, g, request
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


def _is_static(endpoint: str | None) -> bool:
    return endpoint is not None and (endpoint == "static" or endpoint.endswith(".static"))


def init_security(app: Flask) -> None:
    csrf.init_app(app)

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
