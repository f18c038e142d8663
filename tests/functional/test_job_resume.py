"""A worker killed with SIGKILL in the middle of a big bulk job loses only the chunk it was
working on: the next worker takes the job over where the last commit left it, and every
order is archived exactly once.

RESUME_TEST_ORDERS (environment) sets the job's size, 50,000 by default: on a busy two-core
machine the job takes about two minutes on SQLite, so a quick local run may ask for fewer.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Job, Order
from tests import factories
from tests.conftest import login
from tests.functional.job_worker import (
    SharedQueue,
    audit_actions,
    copy_order,
    job_id_from,
    progress,
    running_worker,
    wait_for,
    wait_until_finished,
    web_app,
)

ORDERS = int(os.environ.get("RESUME_TEST_ORDERS", "50000"))
# The worker is killed once this many orders are done (a tenth of the job): the job runs in
# 20 chunks (an archive's chunk holds ten times the configured size).
KILL_AFTER = ORDERS // 10
CHUNK = max(1, ORDERS // 200)
# Seconds allowed for the whole job: at least 50 orders a second, however busy the machine.
TIMEOUT = 60 + ORDERS / 50


def _archived(session: Session) -> int:
    return session.scalar(select(func.count()).where(Order.internal_status == "archived")) or 0


def test_a_job_whose_worker_is_killed_is_finished_by_the_next_one_archiving_each_order_once(
    session: Session, database_url: str, tmp_path: Path
) -> None:
    # Given ORDERS closed orders
    users = factories.make_users(session)
    catalog = factories.make_catalog(session)
    template = factories.order_in_status(session, catalog, "closed", actor=users["manager"])
    session.commit()
    ids = [template.id, *copy_order(session, template, ORDERS - 1)]
    queue = SharedQueue(file=str(tmp_path / "queue.db"))
    client = web_app(database_url, queue).test_client()
    login(client, "manager@example.com")

    # And a worker archiving all of them, started from the grid's "closed" filter
    job_id = job_id_from(
        client.post("/admin/orders/apply_filtered/?action=archive&flt1_internal_status_equals=closed")
    )
    with running_worker(database_url, queue, tmp_path / "first.log", chunk=CHUNK) as first:
        wait_for(
            lambda: progress(client, job_id)["done"] >= KILL_AFTER,
            timeout=TIMEOUT,
            what=f"the first worker did not archive {KILL_AFTER:,} orders",
            worker=first,
        )
        # When the worker is killed in the middle of the job
        first.crash()

    # Then what it committed is consistent: the orders archived are the ones counted done
    job = session.get(Job, job_id)
    assert job is not None and job.state == "running" and KILL_AFTER <= job.done < ORDERS
    assert _archived(session) == job.done
    session.rollback()

    # When another worker starts
    with running_worker(database_url, queue, tmp_path / "second.log", chunk=CHUNK) as second:
        report = wait_until_finished(client, job_id, second, timeout=TIMEOUT)

    # Then the job is done and every order was archived exactly once
    assert report["state"] == "done"
    assert (report["total"], report["done"], report["skipped"]) == (ORDERS, ORDERS, 0)
    assert _archived(session) == ORDERS
    assert audit_actions(session, "archive") == dict.fromkeys(ids, 1)
