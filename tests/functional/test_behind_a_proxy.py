"""Behind a load balancer every request comes from the balancer's address. With
ORDERDESK_PROXIES=1 the client's address is read from the balancer's X-Forwarded-For, so the
login throttle's per-address count is per client, not one count for everybody; without it,
the header is not believed (a client could forge it to escape the count)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import Engine
from werkzeug.test import TestResponse

from models import db
from tests import factories
from tests.conftest import build_app

BALANCER = "10.0.0.10"
GUESSER = "203.0.113.5"
COLLEAGUE = "198.51.100.7"


def _app(database_url: str, **overrides: object) -> Flask:
    app = build_app(database_url, RATELIMIT_ENABLED=True, **overrides)
    with app.app_context():
        factories.make_users(db.session)
        db.session.commit()
        db.session.remove()
    return app


def _login(app: Flask, email: str, password: str, client_address: str) -> TestResponse:
    return app.test_client().post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": BALANCER},
        headers={"X-Forwarded-For": client_address},
    )


def _ten_failures_then_colleague_logs_in(app: Flask) -> tuple[list[int], int]:
    """Ten wrong guesses from one client, each for another account, then its 11th; then the
    sales user logs in from another client. Returns the guesser's statuses and the colleague's."""
    guesses = [_login(app, f"nobody-{i}@example.com", "guess", GUESSER).status_code for i in range(11)]
    return guesses, _login(app, "sales@example.com", factories.PASSWORD, COLLEAGUE).status_code


def test_behind_one_proxy_the_login_throttle_counts_each_client_address_apart(
    clean_db: Engine, database_url: str
):
    guesses, colleague = _ten_failures_then_colleague_logs_in(_app(database_url, ORDERDESK_PROXIES=1))
    assert guesses == [200] * 10 + [429]
    assert colleague == 302


def test_without_proxies_configured_a_forwarded_address_is_not_believed(clean_db: Engine, database_url: str):
    guesses, colleague = _ten_failures_then_colleague_logs_in(_app(database_url))
    assert guesses == [200] * 10 + [429]
    assert colleague == 429


@pytest.mark.parametrize("setting", ["one", "-1"])
def test_a_proxy_count_that_is_not_a_number_stops_the_start_with_a_clear_message(
    database_url: str, setting: str
):
    with pytest.raises(RuntimeError, match="ORDERDESK_PROXIES must be how many proxies stand in front"):
        build_app(database_url, ORDERDESK_PROXIES=setting)
