"""Served as a team runs it (deploy/gunicorn.conf.py, two worker processes, PostgreSQL): a
coupon with k uses left grants exactly k when 3k Add Coupon Code requests arrive at once, on
3k different orders, whichever worker takes each (the conditional UPDATE of the use count is
what holds, not any one process's view of it). tests/unit/test_coupon_concurrency.py races
the action itself on both databases; this one goes through HTTP.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from models import AppliedPromotion, Coupon
from tests import factories
from tests.functional.web_servers import Reply, logged_in, running_web_server
from tests.unit.test_coupon_concurrency import prepare_race

pytestmark = pytest.mark.postgresql

USES_LEFT = 4
TAKEN = 2


def test_a_coupon_with_k_uses_left_is_granted_exactly_k_times_over_two_web_workers(
    clean_db: Engine, database_url: str, tmp_path: Path
):
    # Given a coupon limited to 6 uses with 2 taken, 12 open orders of 12 buyers, a manager
    order_ids, coupon_id = prepare_race(
        clean_db, per_coupon=TAKEN + USES_LEFT, per_user=1, used=TAKEN, same_buyer=False
    )
    assert len(order_ids) == 3 * USES_LEFT
    with Session(clean_db) as session:
        factories.make_users(session)
        session.commit()

    with running_web_server(database_url, tmp_path) as server:
        cookie, token = logged_in(server, "manager@example.com", factories.PASSWORD)
        start = threading.Barrier(len(order_ids))

        def add_coupon(order_id: int) -> Reply:
            start.wait(timeout=30)
            return server.request(
                "POST",
                f"/admin/orders/coupon/?id={order_id}",
                form={"csrf_token": token, "code": "flash"},
                cookie=cookie,
            )

        # When the coupon is added to the 12 orders at the same moment
        with ThreadPoolExecutor(len(order_ids)) as pool:
            replies = list(pool.map(add_coupon, order_ids))
        workers = set(server.workers_of(replies))

    # Then both workers answered, 4 orders got it, and 8 were told the limit is reached
    assert len(workers) == 2
    granted = [order_id for order_id, reply in zip(order_ids, replies, strict=True) if reply.status == 302]
    refused = [reply for reply in replies if reply.status != 302]
    assert len(granted) == USES_LEFT
    assert [reply.status for reply in refused] == [200] * (len(order_ids) - USES_LEFT)
    assert all("Usage limit exceeded for coupon FLASH." in reply.body for reply in refused)
    # And the database agrees: 6 uses counted, the coupon on exactly the granted orders
    with Session(clean_db) as session:
        assert session.get(Coupon, coupon_id).uses == TAKEN + USES_LEFT
        assert sorted(session.scalars(select(AppliedPromotion.order_id))) == sorted(granted)
