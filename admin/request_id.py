"""A request id on every request, so that one request can be followed through the load
balancer's log, gunicorn's access log (deploy/gunicorn.conf.py prints the response header) and
the application's log lines.

A sane incoming `X-Request-ID` (set by a load balancer or proxy) is kept; anything else gets a
new id. The id goes back in the response's `X-Request-ID` header, and every log record carries
it as `request_id` ("-" outside a request).
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from flask import Flask, Response, has_request_context, request
from flask.logging import default_handler

HEADER = "X-Request-ID"
ENVIRON_KEY = "orderdesk.request_id"
# Ids of load balancers and tracing tools (UUIDs, hex, base64-ish); nothing that could break a
# log line or a header: no spaces, quotes or control characters.
_SANE = re.compile(r"[A-Za-z0-9._:+/=-]{1,128}")
LOG_FORMAT = "[%(asctime)s] %(levelname)s in %(module)s [request %(request_id)s]: %(message)s"


def request_id() -> str:
    """This request's id: the incoming one if sane, else a new one (made once per request, and
    kept in its WSGI environ: `g` may outlive a request)."""
    environ = request.environ
    if ENVIRON_KEY not in environ:
        incoming = request.headers.get(HEADER, "")
        environ[ENVIRON_KEY] = incoming if _SANE.fullmatch(incoming) else uuid.uuid4().hex
    return str(environ[ENVIRON_KEY])


def _record_factory(base: Any) -> Any:
    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.request_id = request_id() if has_request_context() else "-"
        return record

    make_record.orderdesk_request_ids = True  # type: ignore[attr-defined]
    return make_record


def _install_log_records() -> None:
    """Every log record gets `request_id` (once per process, however many apps are built)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "orderdesk_request_ids", False):
        logging.setLogRecordFactory(_record_factory(current))
    default_handler.setFormatter(logging.Formatter(LOG_FORMAT))


def init_request_ids(app: Flask) -> None:
    """Register first: Flask runs after_request hooks last-registered first, so the header is
    set even when another hook has replaced the response."""
    _install_log_records()

    @app.after_request
    def _send_request_id(response: Response) -> Response:
        response.headers[HEADER] = request_id()
        return response
