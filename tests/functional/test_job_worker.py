"""Bulk actions through the real job queue, on a SQLite queue file and on Redis: the request
only writes the job down and queues it, a `flask --app app worker` process does the work
chunk by chunk, and the job's progress JSON follows it to the report."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from actions.job_chunks import STATUS_ONLY_FACTOR
from actions.lifecycle import apply_transition
from models import Job, JobItem, Order
from tests import factories
from tests.conftest import login
from tests.functional.job_worker import (
    SharedQueue,
    audit_actions,
    copy_order,
    job_id_from,
    progress,
    queue_params,
    running_worker,
    shared_queue,
    wait_for,
    wait_until_finished,
    web_app,
)

CHUNK = 50
# The job Cancel stops: orders, and orders per chunk (the worker's default).
BIG_JOB = 10_000
# Orders an archive chunk holds: 20 chunks in the job (an archive's chunk is STATUS_ONLY_FACTOR
# times the configured size).
BIG_CHUNK = 500


@pytest.fixture(params=queue_params())
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SharedQueue]:
    with shared_queue(request.param, tmp_path, lambda: request.getfixturevalue("redis_url")) as made:
        yield made


@pytest.fixture
def web(clean_db: Engine, database_url: str, queue: SharedQueue) -> Flask:
    """The web app, queueing jobs for a worker. Its requests each have their own database
    session, as in production; the test reads and writes through `session`."""
    return web_app(database_url, queue)


@pytest.fixture
def shop(web: Flask, session: Session) -> dict[str, Any]:
    """Users and a catalog; the manager is logged in on `client`."""
    made = {**factories.make_users(session), **factories.make_catalog(session)}
    session.commit()
    made["client"] = web.test_client()
    assert login(made["client"], "manager@example.com").status_code == 302
    return made


def _orders_in(session: Session, shop: dict[str, Any], *statuses: str) -> list[Order]:
    made = [factories.order_in_status(session, shop, s, actor=shop["manager"]) for s in statuses]
    session.commit()
    return made


def _statuses(session: Session, orders: list[Order]) -> list[str]:
    session.expire_all()
    return [str(session.get(Order, order.id).internal_status) for order in orders]


def _skipped_rows(client: FlaskClient, job_id: int) -> list[tuple[str, str]]:
    page = client.get(f"/admin/jobs/{job_id}/").get_data(as_text=True)
    table = page.split('id="skipped-orders"', 1)[1].split("</table>", 1)[0]
    rows = table.split("<tbody>", 1)[1].split("<tr>")[1:]
    return [tuple(cell.split("</td>", 1)[0] for cell in row.split("<td>")[1:]) for row in rows]


def test_a_grid_bulk_action_is_queued_at_once_and_the_worker_archives_the_closed_orders(
    shop: dict[str, Any], session: Session, database_url: str, queue: SharedQueue, tmp_path: Path
) -> None:
    # Given three closed orders and an open one, and no worker running yet
    *closed, still_open = _orders_in(session, shop, "closed", "closed", "closed", "open")
    client = shop["client"]

    # When the manager archives the four of them from the grid
    response = client.post(
        "/admin/orders/action/",
        data={"action": "archive", "rowid": [str(o.id) for o in [*closed, still_open]]},
    )

    # Then the answer is the job's page, with the job queued and no order changed yet
    job_id = job_id_from(response)
    assert progress(client, job_id)["state"] == "queued"
    assert _statuses(session, [*closed, still_open]) == ["closed", "closed", "closed", "open"]

    # When a worker starts
    with running_worker(database_url, queue, tmp_path / "worker.log", chunk=CHUNK) as worker:
        report = wait_until_finished(client, job_id, worker)
        # (at a CPU priority below the web server's, which the pages then get first)
        assert worker.process is not None
        assert os.getpriority(os.PRIO_PROCESS, worker.process.pid) == min(
            19, os.getpriority(os.PRIO_PROCESS, 0) + 10
        )

    # Then it archived the closed orders and skipped the open one, saying why
    assert (report["state"], report["total"], report["done"], report["skipped"]) == ("done", 4, 3, 1)
    assert report["summary"] == "3 orders archived; 1 skipped"
    assert _statuses(session, [*closed, still_open]) == ["archived", "archived", "archived", "open"]
    assert _skipped_rows(client, job_id) == [
        (still_open.identifier, f"Order {still_open.identifier} cannot be archived because it is open")
    ]
    assert audit_actions(session, "archive") == {o.id: 1 for o in closed}
    assert "Traceback" not in worker.log()


def test_closing_every_cancelled_order_skips_one_someone_closed_meanwhile(
    shop: dict[str, Any], session: Session, database_url: str, queue: SharedQueue, tmp_path: Path
) -> None:
    # Given two cancelled orders and an open one
    first, second, other = _orders_in(session, shop, "cancelled", "cancelled", "open")
    client = shop["client"]

    # When the manager closes every order the grid's "cancelled" filter matches
    response = client.post("/admin/orders/apply_filtered/?action=close&flt1_internal_status_equals=cancelled")
    job_id = job_id_from(response)
    assert progress(client, job_id)["total"] == 2

    # And someone closes the second one themselves before a worker gets to the job
    apply_transition(session, session.get(Order, second.id), "close", actor=shop["admin"])
    session.commit()
    with running_worker(database_url, queue, tmp_path / "worker.log", chunk=CHUNK) as worker:
        report = wait_until_finished(client, job_id, worker)

    # Then the worker closed the first, skipped the second with the reason, left the open one
    assert (report["state"], report["total"], report["done"], report["skipped"]) == ("done", 2, 1, 1)
    assert _statuses(session, [first, second, other]) == ["closed", "closed", "open"]
    assert _skipped_rows(client, job_id) == [
        (second.identifier, f"Order {second.identifier} cannot be closed because it is closed")
    ]
    assert "Traceback" not in worker.log()


def test_cancelling_a_big_job_stops_it_after_the_chunk_in_progress(
    shop: dict[str, Any], session: Session, database_url: str, queue: SharedQueue, tmp_path: Path
) -> None:
    # Given 10,000 closed orders being archived by a worker, 500 per chunk: on SQLite the
    # worker holds the write lock for a second or so at a time
    template = _orders_in(session, shop, "closed")[0]
    copy_order(session, template, BIG_JOB - 1)
    client = shop["client"]
    chunk_setting = BIG_CHUNK // STATUS_ONLY_FACTOR
    with running_worker(database_url, queue, tmp_path / "worker.log", chunk=chunk_setting) as worker:
        job_id = job_id_from(
            client.post("/admin/orders/apply_filtered/?action=archive&flt1_internal_status_equals=closed")
        )
        wait_for(
            lambda: progress(client, job_id)["done"] >= BIG_CHUNK,
            timeout=60,
            what="the job did not get going",
            worker=worker,
        )

        # When the manager cancels it (the request waits for the chunk in progress, no more)
        assert client.post(f"/admin/jobs/{job_id}/cancel").status_code == 302
        done_when_asked = progress(client, job_id)["done"]
        report = wait_until_finished(client, job_id, worker)

    # Then the job stopped after at most the chunk it was working on
    assert report["state"] == "cancelled"
    assert done_when_asked <= report["done"] <= done_when_asked + BIG_CHUNK
    assert report["done"] < report["total"] == BIG_JOB
    # And exactly the orders up to its cursor are archived, once each; the rest are untouched
    session.expire_all()
    job = session.get(Job, job_id)
    archived = set(session.scalars(select(Order.id).where(Order.internal_status == "archived")))
    items = select(JobItem.order_id).where(JobItem.job_id == job_id, JobItem.position <= job.cursor)
    assert archived == set(session.scalars(items)) and len(archived) == job.done
    closed = session.scalar(select(func.count()).where(Order.internal_status == "closed"))
    assert closed == BIG_JOB - job.done
    assert audit_actions(session, "archive") == dict.fromkeys(archived, 1)
    assert "Traceback" not in worker.log()
