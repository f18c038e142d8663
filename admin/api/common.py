"""What every API resource shares: one unit of work per call, the problem schema for the
contract and the problems an operation documents, versions as ETags, and cursor pages."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar, cast

import marshmallow as ma
from flask import abort, request
from flask_smorest import Blueprint
from sqlalchemy import Select

from actions.errors import DomainError, StaleOrder
from admin.api.auth import (
    REFUSED_TOKEN_SCOPE,
    authenticate,
    caller_address,
    rate_limit,
    rate_limit_key,
    refused_token_limit,
    token_refused,
    too_many_requests,
)
from admin.auth import limiter
from admin.base import run_action
from admin.problems import PROBLEM_TYPE
from admin.security import csrf
from models import MAX_ID, db

T = TypeVar("T")
MAX_PAGE = 200
DEFAULT_PAGE = 50
NEXT_CURSOR = "Pass as ?cursor= for the next page; null on the last."
COMPRESSED = ("", "br", "gzip", "deflate", "zstd")
BAD_CURSOR = "The cursor is not one this API gave for this sort; start again without it."


class ApiError(Exception):
    """A refusal to answer as a problem document (raised out of a unit of work)."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.message)
        self.error = error


class NotFoundError(DomainError):
    code = "not_found"


def record_or_404(model: type[T], record_id: int, message: str) -> T:
    """The record an id in the path names; a 404 problem saying `message` when there is none."""
    record = db.session.get(model, record_id) if record_id <= MAX_ID else None
    if record is None:
        raise ApiError(NotFoundError(message))
    return record


def api_blueprint(name: str, url: str, description: str) -> Blueprint:
    """A resource's blueprint under /api/v1: token required, rate limited, no CSRF (no cookie
    authenticates it). One rate limit per token for the whole API (every resource shares its
    count), one per address for calls refused for their token; a 429 is a problem document,
    not the login page's."""
    blueprint = Blueprint(name, __name__, url_prefix="/api/v1" + url, description=description)
    blueprint.before_request(authenticate)
    csrf.exempt(blueprint)
    limiter.shared_limit(rate_limit, scope="api", key_func=rate_limit_key)(blueprint)
    limiter.shared_limit(
        refused_token_limit, scope=REFUSED_TOKEN_SCOPE, key_func=caller_address, deduct_when=token_refused
    )(blueprint)
    blueprint.register_error_handler(429, too_many_requests)
    return blueprint


def unit_of_work(operation: Callable[[], T]) -> T:
    """Run one action as the panel does (run_action): commit on success; on refusal nothing is
    changed and the call answers with its problem."""
    outcome = run_action(operation, flash_refusal=False)
    if outcome.refusal is not None:
        raise ApiError(outcome.refusal)
    return cast(T, outcome.result)


def etag_of(version: int) -> str:
    return f'"{version}"'


def required_version() -> int:
    """The version an update is based on, from If-Match (the ETag, or the bare number).

    Answers 428 without one and 412 for one that is no version at all."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        abort(428)
    text, _, coding = header.removeprefix("W/").strip('"').partition(":")
    # A compressed answer's ETag names its coding ("7:gzip", from flask-compress): same version.
    if coding not in COMPRESSED or not (text.isascii() and text.isdigit()) or len(text) > 18:
        raise ApiError(StaleOrder("If-Match holds no version of this order; read it again."))
    return int(text)


class Schema(ma.Schema):
    """Unknown fields are refused (422), not dropped: a typo must not pass unnoticed."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class ProblemSchema(Schema):
    type = ma.fields.String()
    title = ma.fields.String()
    status = ma.fields.Integer()
    detail = ma.fields.String()
    code = ma.fields.String()
    errors = ma.fields.Dict()


# gunicorn refuses a longer request line (Procfile, deploy/gunicorn.conf.py) before the app sees
# it: its 414 is a plain page, which no handler here can turn into a problem document.
TOO_LONG = (
    "URI Too Long: a request line over 8190 bytes (a URL with very long query values) is "
    "refused by the web server before the API reads it, with a plain page, not a problem document."
)


def problem_responses(blueprint: Blueprint, *codes: int) -> Callable[[Any], Any]:
    """Say in the contract which problem documents an operation may answer with (401 and 429
    on every one), and the web server's 414 for a request line too long to read."""

    def decorate(view: Any) -> Any:
        for code in (401, 429, *codes):
            phrase = HTTPStatus(code).phrase
            document = blueprint.alt_response(
                code, schema=ProblemSchema, content_type=PROBLEM_TYPE, description=phrase
            )
            view = document(view)
        return blueprint.alt_response(414, description=TOO_LONG)(view)

    return decorate


def link(method: str, path: str, description: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link to the operation `method` `path` (under /api/v1, as the contract names
    it): where a client finds the values of its parameters in this answer or its request, as
    runtime expressions such as `$response.body#/id` or `$request.path.order_id`. A parameter
    other than in the path is named with its location, as "header.If-Match"."""
    pointer = ("/api/v1" + path).replace("~", "~0").replace("/", "~1")
    return {
        "operationRef": f"#/paths/{pointer}/{method.lower()}",
        "description": description,
        "parameters": parameters,
    }


def links(status: int, **named: dict[str, Any]) -> Callable[[Any], Any]:
    """Name in the contract the operations an answer leads to (OpenAPI links): the ids a
    response holds are the ones those operations take, so clients and contract tests can
    follow them rather than guess ids."""
    return cast(Callable[[Any], Any], Blueprint.doc(responses={status: {"links": named}}))


class PageArgs(Schema):
    limit = ma.fields.Integer(load_default=DEFAULT_PAGE, validate=ma.validate.Range(1, MAX_PAGE))
    cursor = ma.fields.String(load_default=None, validate=ma.validate.Length(max=500))


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    """The position a `next_cursor` named. Answers 422 for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != length:
        abort(422, BAD_CURSOR)
    return values


def page_response(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "next_cursor": next_cursor}


def id_page(query: Select[Any], model: Any, args: dict[str, Any]) -> dict[str, Any]:
    """One page of `query`'s `model` rows in id order, after the cursor's row. The cursor names
    its table, so one list's cursor is refused by another (422)."""
    kind = model.__tablename__
    if args.get("cursor"):
        cursor_kind, last_id = decode_cursor(str(args["cursor"]), 2)
        if cursor_kind != kind or type(last_id) is not int or not 0 <= last_id <= MAX_ID:
            abort(422, BAD_CURSOR)
        query = query.where(model.id > last_id)
    limit = int(args["limit"])
    rows = list(db.session.scalars(query.order_by(model.id).limit(limit + 1)).unique())
    if len(rows) <= limit:
        return page_response(rows, None)
    return page_response(rows[:limit], encode_cursor([kind, rows[limit - 1].id]))
