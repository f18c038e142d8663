"""What every API resource shares: one unit of work per call, the problem schema for the
contract, versions as ETags, and cursor pages."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any, TypeVar

import marshmallow as ma
from flask import abort, request
from flask_smorest import Blueprint
from sqlalchemy.exc import IntegrityError

from actions.errors import DomainError, StaleOrder
from admin.api.auth import authenticate, rate_limit, rate_limit_key, too_many_requests
from admin.auth import limiter
from admin.security import csrf
from models import db

T = TypeVar("T")
CONFLICT = "Someone else changed the same record at the same time; nothing was changed. Try again."
MAX_PAGE = 200
DEFAULT_PAGE = 50
COMPRESSED = ("", "br", "gzip", "deflate", "zstd")
BAD_CURSOR = "The cursor is not one this API gave for this sort; start again without it."


class ApiError(Exception):
    """A refusal to answer as a problem document (raised out of a unit of work)."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.message)
        self.error = error


def api_blueprint(name: str, url: str, description: str) -> Blueprint:
    """A resource's blueprint under /api/v1: token required, rate limited, no CSRF (no cookie
    authenticates it). One rate limit per token for the whole API (every resource shares its
    count); its 429 is a problem document, not the login page's."""
    blueprint = Blueprint(name, __name__, url_prefix="/api/v1" + url, description=description)
    blueprint.before_request(authenticate)
    csrf.exempt(blueprint)
    limiter.shared_limit(rate_limit, scope="api", key_func=rate_limit_key)(blueprint)
    blueprint.register_error_handler(429, too_many_requests)
    return blueprint


def unit_of_work(operation: Callable[[], T]) -> T:
    """Run one action: commit on success; on refusal roll back and answer with its problem."""
    try:
        try:
            result = operation()
            db.session.commit()
        except IntegrityError as exc:
            raise DomainError(CONFLICT) from exc
    except DomainError as exc:
        db.session.rollback()
        raise ApiError(exc) from exc
    return result


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
