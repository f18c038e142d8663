"""Every response carries an X-Request-ID: a load balancer's own id when it is sane, else a new
one. Log records carry the same id, so one request can be followed through every log."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from admin.request_id import LOG_FORMAT

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize("path", ["/login", "/healthz", "/admin/orders/", "/no-such-page"])
def test_an_incoming_request_id_comes_back_on_every_kind_of_response(client: FlaskClient, path: str):
    response = client.get(path, headers={"X-Request-ID": "3f2a9c1e-7b4d-4e0a-9d2b-1c5e8f7a6b3d"})
    assert response.headers["X-Request-ID"] == "3f2a9c1e-7b4d-4e0a-9d2b-1c5e8f7a6b3d"


@pytest.mark.parametrize(
    "incoming",
    ["", "has space", "x" * 129, 'quote"d', "new\tline", "ünïcode"],
    ids=["empty", "space", "too-long", "quote", "tab", "non-ascii"],
)
def test_an_unfit_incoming_request_id_is_replaced_by_a_new_one(client: FlaskClient, incoming: str):
    response = client.get("/login", headers={"X-Request-ID": incoming})
    assert GENERATED.fullmatch(response.headers["X-Request-ID"])


def test_without_an_incoming_id_each_request_gets_its_own(client: FlaskClient):
    first, second = (client.get("/login").headers["X-Request-ID"] for _ in range(2))
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_log_records_carry_the_request_id_and_a_dash_outside_requests(app: Flask):
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep = Keep()
    keep.setFormatter(logging.Formatter(LOG_FORMAT))
    app.logger.addHandler(keep)
    try:
        with app.test_request_context(headers={"X-Request-ID": "req-42"}):
            app.logger.warning("inside")
        app.logger.warning("outside")
    finally:
        app.logger.removeHandler(keep)
    assert [record.request_id for record in records] == ["req-42", "-"]
    assert "[request req-42]: inside" in keep.format(records[0])
