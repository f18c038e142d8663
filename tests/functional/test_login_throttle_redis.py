"""With Redis configured, the login throttle counts in Redis: failures seen by one worker count
on every other one, per account and per address.

Two apps over the same database and the same Redis stand for two workers. The throttle is one
Limiter per process whose store is set by the last app built, so worker B is built after the
failures on worker A: a store of its own (each process counting in memory) would start from
zero, and only counts kept in Redis reach it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from models import db
from tests import factories
from tests.conftest import build_app
from tests.redis_server import flush

ATTACKER = "10.0.0.1"
ELSEWHERE = "10.0.0.2"
TOO_MANY = "Too many login attempts"


@pytest.fixture
def empty_redis(redis_url: str) -> Iterator[str]:
    """Each test starts and ends with an empty Redis database: no counts carried over."""
    flush(redis_url)
    yield redis_url
    flush(redis_url)


@pytest.fixture
def start_worker(clean_db, database_url: str, empty_redis: str) -> Callable[[], Flask]:
    def start() -> Flask:
        return build_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=empty_redis)

    return start


@pytest.fixture
def worker_a(start_worker: Callable[[], Flask]) -> Flask:
    app = start_worker()
    with app.app_context():
        factories.make_users(db.session)
        db.session.commit()
        db.session.remove()
    return app


def _post_login(client: FlaskClient, email: str, password: str, address: str) -> TestResponse:
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def _is_logged_in(client: FlaskClient) -> bool:
    return client.get("/admin/orders/").status_code == 200


def test_failures_for_one_account_on_worker_a_count_on_worker_b(worker_a, start_worker):
    # Given ten wrong passwords for one account, through worker A from one address
    attacker = worker_a.test_client()
    statuses = [
        _post_login(attacker, "sales@example.com", f"guess-{i}", ATTACKER).status_code for i in range(10)
    ]
    assert statuses == [200] * 10

    # When the eleventh attempt, with the right password, comes through worker B from elsewhere
    worker_b = start_worker()
    client = worker_b.test_client()
    refused = _post_login(client, "sales@example.com", factories.PASSWORD, ELSEWHERE)

    # Then it is refused, says why, and logs nobody in
    assert refused.status_code == 429
    assert TOO_MANY in refused.get_data(as_text=True)
    assert not _is_logged_in(client)


def test_failures_from_one_address_on_worker_a_count_on_worker_b_for_another_account(worker_a, start_worker):
    # Given ten failures from one address through worker A, each for a different unknown account
    attacker = worker_a.test_client()
    statuses = [
        _post_login(attacker, f"nobody-{i}@example.com", f"guess-{i}", ATTACKER).status_code
        for i in range(10)
    ]
    assert statuses == [200] * 10

    # When that address tries an account it never tried, with its right password, on worker B
    worker_b = start_worker()
    client = worker_b.test_client()
    refused = _post_login(client, "sales@example.com", factories.PASSWORD, ATTACKER)

    # Then it is refused and logs nobody in
    assert refused.status_code == 429
    assert TOO_MANY in refused.get_data(as_text=True)
    assert not _is_logged_in(client)
    # While that account, from another address, logs in on worker B
    other = worker_b.test_client()
    assert _post_login(other, "sales@example.com", factories.PASSWORD, ELSEWHERE).status_code == 302
    assert _is_logged_in(other)


def test_the_login_counts_are_kept_in_redis(worker_a, empty_redis):
    # When a wrong password is posted
    response = _post_login(worker_a.test_client(), "sales@example.com", "not-the-password", ATTACKER)
    assert response.status_code == 200

    # Then Redis holds a count for the account and one for the address
    client = redis.Redis.from_url(empty_redis)
    try:
        keys = [key.decode() for key in client.keys()]
    finally:
        client.close()
    assert any("account:sales@example.com" in key for key in keys), keys
    assert any(ATTACKER in key for key in keys), keys


def test_with_redis_out_of_reach_logins_are_still_answered_and_counted_in_memory(clean_db, database_url):
    # Given a worker whose Redis is not listening (port 9 on this host refuses connections)
    app = build_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0")
    with app.app_context():
        factories.make_users(db.session)
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    # Then a login works, and guesses are still limited meanwhile
    assert _post_login(client, "sales@example.com", factories.PASSWORD, ATTACKER).status_code == 302
    guesser = app.test_client()
    statuses = [
        _post_login(guesser, "viewer@example.com", f"guess-{i}", ELSEWHERE).status_code for i in range(11)
    ]
    assert statuses == [200] * 10 + [429]
