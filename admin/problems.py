"""Every API error as an RFC 9457 problem document (application/problem+json), carrying the
domain error's code and the same words the panel shows; never an HTML page or a trace."""

from __future__ import annotations

import secrets
from http import HTTPStatus
from typing import Any

from flask import Response, current_app, json, request
from werkzeug.exceptions import HTTPException

from actions.errors import (
    AlreadySubmitted,
    CouponNotApplicable,
    DiscountTooLarge,
    DomainError,
    InvalidTransition,
    OrderNotEditable,
    PermissionDenied,
    StaleOrder,
    ValidationFailed,
)

API_PREFIX = "/api/"
PROBLEM_TYPE = "application/problem+json"
# The status each kind of refusal answers with; a plain DomainError is a refusal of what the
# record's state allows (409).
DOMAIN_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (ValidationFailed, 422),
    (CouponNotApplicable, 422),
    (DiscountTooLarge, 422),
    (PermissionDenied, 403),
    (StaleOrder, 412),
    (InvalidTransition, 409),
    (OrderNotEditable, 409),
    (AlreadySubmitted, 409),
)
# Said for the HTTP errors no view words itself.
DETAILS = {
    400: "The request could not be read.",
    401: "Send a valid API token: Authorization: Bearer <token>.",
    403: "Your role does not allow this.",
    404: "There is no such record or address: it may have been deleted, or the id is wrong.",
    405: "This address does not take that method.",
    406: "This API answers in JSON only.",
    413: "The request is too large.",
    415: "Send the body as application/json (or multipart/form-data where a file is uploaded).",
    422: "Some fields are missing or wrong; nothing was changed.",
    428: "Send If-Match with the order's version or ETag, so that nobody's change is overwritten.",
    429: "Too many requests with this token; wait a little and try again.",
    500: "Something went wrong on our side and nothing was saved.",
}


def api_server_error(error: BaseException) -> Response:
    """A 500 as a problem, its reference also in the log (never a trace for the caller)."""
    reference = secrets.token_hex(4).upper()
    current_app.logger.error("API server error, reference %s", reference, exc_info=error)
    return problem(500, f"Something went wrong on our side and nothing was saved (reference {reference}).")


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def problem(
    status: int, detail: str, *, code: str | None = None, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """A problem document: type about:blank, the status's title, `detail` for people, `code`
    for programs, and any `extra` members (e.g. `errors` by field)."""
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "code": code or HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_"),
        **extra,
    }
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def domain_status(error: DomainError) -> int:
    for kind, status in DOMAIN_STATUS:
        if isinstance(error, kind):
            return status
    return {"token_refused": 401, "not_found": 404}.get(error.code, 409)


def domain_problem(error: DomainError) -> Response:
    extra: dict[str, Any] = {}
    if error.field:
        extra["errors"] = {error.field: [error.message]}
    return problem(domain_status(error), error.message, code=error.code, **extra)


def http_problem(error: HTTPException) -> Response:
    """A werkzeug error (abort, routing, webargs' 422 with its messages) as a problem."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    extra: dict[str, Any] = {}
    messages = data.get("errors") or data.get("messages")
    if messages:
        # webargs nests them by location (json, query, files): a client wants the fields.
        extra["errors"] = _flatten(messages)
    worded = error.description if error.description != type(error).description else None
    detail = data.get("message") or worded or DETAILS.get(status) or HTTPStatus(status).phrase
    headers = dict(data.get("headers") or {})
    if status == 405 and error.get_response().headers.get("Allow"):
        headers["Allow"] = error.get_response().headers["Allow"]
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="OrderDesk"')
    return problem(status, str(detail), headers=headers, **extra)


def _flatten(messages: dict[str, Any]) -> dict[str, Any]:
    locations = {"json", "query", "querystring", "form", "files", "headers", "view_args"}
    if set(messages) <= locations:
        merged: dict[str, Any] = {}
        for fields in messages.values():
            merged.update(fields if isinstance(fields, dict) else {"_": fields})
        return merged
    return messages
