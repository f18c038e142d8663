"""OrderDesk's own error pages: one "not found" page for every unknown or malformed id, and a
server error page with a reference that is also in the log (never a stack trace for users)."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, current_app, render_template
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound, SecurityError

from admin.problems import api_server_error, http_problem, is_api_request


def not_found(error: NotFound) -> Any:
    if is_api_request():
        return http_problem(error)
    text = "There is no such page or record: it may have been deleted, or the link is incomplete."
    return render_template("errors/page.html", title="Not found", text=text), 404


def refused_request(error: HTTPException) -> Any:
    """A request the server cannot take as sent (400: a missing CSRF token; 422: a NUL
    character): its reason on OrderDesk's page, or as a problem document for the API. A host
    that is not trusted gets werkzeug's plain answer: no link on a page can be built for it."""
    if isinstance(error, SecurityError):
        return error
    if is_api_request():
        return http_problem(error)
    title = "Bad request" if error.code == 400 else "Cannot be processed"
    return render_template("errors/page.html", title=title, text=error.description), error.code


def server_error(error: InternalServerError) -> Any:
    if is_api_request():
        return api_server_error(error.original_exception or error)
    reference = secrets.token_hex(4).upper()
    current_app.logger.error(
        "Server error, reference %s", reference, exc_info=error.original_exception or error
    )
    text = (
        "Something went wrong on our side and nothing was saved. If it happens again, give "
        f"your administrator this reference: {reference}."
    )
    return render_template("errors/page.html", title="Server error", text=text, reference=reference), 500


def init_errors(app: Flask) -> None:
    app.register_error_handler(400, refused_request)
    app.register_error_handler(422, refused_request)
    app.register_error_handler(404, not_found)
    app.register_error_handler(InternalServerError, server_error)
