"""Served as a team runs it: the production gunicorn settings (deploy/gunicorn.conf.py) with
two worker processes, REDIS_URL set, over the test database. What one worker knows, the
other must know too:

- the 11th failed login in a minute is refused whichever worker answers it (the counts are in
  Redis; each worker counting for itself would let it through on one that saw fewer than 10);
- a coupon with k uses left is granted exactly k times when 3k Add Coupon Code requests on 3k
  orders arrive at once, spread over both workers (PostgreSQL; the conditional UPDATE of the
  use count holds, not any one process's view of it; tests/unit/test_coupon_concurrency.py
  races the action itself on both databases).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models import AppliedPromotion, Coupon
from tests import factories
from tests.functional.web_servers import Reply, WebServer, csrf_token, logged_in, running_web_server
from tests.redis_server import flush
from tests.unit.test_coupon_concurrency import prepare_race

TOO_MANY = "Too many login attempts"
USES_LEFT = 4
TAKEN = 2


@pytest.fixture(scope="module")
def web_workers(
    engine: Engine, database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebServer]:
    """Started once for the module (a start costs seconds); the tests empty the database and
    Redis as they need."""
    with running_web_server(database_url, tmp_path_factory.mktemp("web"), REDIS_URL=redis_url) as server:
        yield server


def _login_attempts(server: WebServer, passwords: list[str]) -> list[Reply]:
    """Login attempts for the sales user sent at the same time, each on its own connection (so
    both workers get some), each with a session and CSRF token of its own."""

    def attempt(password: str) -> Reply:
        page = server.request("GET", "/login")
        form = {"csrf_token": csrf_token(page), "email": "sales@example.com", "password": password}
        return server.request("POST", "/login", form=form, cookie=page.cookie)

    with ThreadPoolExecutor(len(passwords)) as pool:
        return list(pool.map(attempt, passwords))


def test_the_eleventh_failed_login_is_refused_by_whichever_web_worker_answers(
    session: Session, web_workers: WebServer, redis_url: str
):
    # Given a user, and no login counted yet
    factories.make_users(session)
    session.commit()
    flush(redis_url)

    # When ten wrong passwords arrive at once
    failures = _login_attempts(web_workers, [f"guess-{i}" for i in range(10)])
    assert [reply.status for reply in failures] == [200] * 10
    assert all("Invalid email or password." in reply.body for reply in failures)

    # Then every later attempt, even with the right password, is refused, by each worker
    refusals: list[Reply] = []
    for _round in range(10):
        refusals += _login_attempts(web_workers, [factories.PASSWORD] * 2)
        if len(set(web_workers.workers_of(refusals))) == 2:
            break
    assert len(set(web_workers.workers_of(refusals))) == 2, "one worker answered every attempt"
    assert [reply.status for reply in refusals] == [429] * len(refusals)
    assert all(TOO_MANY in reply.body for reply in refusals)
    flush(redis_url)


@pytest.mark.postgresql
def test_a_coupon_with_k_uses_left_is_granted_exactly_k_times_over_two_web_workers(
    clean_db: Engine, web_workers: WebServer, redis_url: str
):
    # Given a coupon limited to 6 uses with 2 taken, 12 open orders of 12 buyers, a manager
    order_ids, coupon_id = prepare_race(
        clean_db, per_coupon=TAKEN + USES_LEFT, per_user=1, used=TAKEN, same_buyer=False
    )
    assert len(order_ids) == 3 * USES_LEFT
    with Session(clean_db) as session:
        factories.make_users(session)
        session.commit()
    flush(redis_url)
    cookie, token = logged_in(web_workers, "manager@example.com", factories.PASSWORD)
    start = threading.Barrier(len(order_ids))

    def add_coupon(order_id: int) -> Reply:
        start.wait(timeout=30)
        form = {"csrf_token": token, "code": "flash"}
        return web_workers.request("POST", f"/admin/orders/coupon/?id={order_id}", form=form, cookie=cookie)

    # When the coupon is added to the 12 orders at the same moment
    with ThreadPoolExecutor(len(order_ids)) as pool:
        replies = list(pool.map(add_coupon, order_ids))

    # Then both workers answered, 4 orders got it, and 8 were told the limit is reached
    assert len(set(web_workers.workers_of(replies))) == 2
    granted = [order_id for order_id, reply in zip(order_ids, replies, strict=True) if reply.status == 302]
    refused = [reply for reply in replies if reply.status != 302]
    assert len(granted) == USES_LEFT
    assert [reply.status for reply in refused] == [200] * (len(order_ids) - USES_LEFT)
    assert all("Usage limit exceeded for coupon FLASH." in reply.body for reply in refused)
    # And the database agrees: 6 uses counted, the coupon on exactly the granted orders
    with Session(clean_db) as session:
        assert session.get(Coupon, coupon_id).uses == TAKEN + USES_LEFT
        assert sorted(session.scalars(select(AppliedPromotion.order_id))) == sorted(granted)
    flush(redis_url)
