"""A job started through one web worker shows its live progress through another: two web apps
over the same database and Redis queue stand for two web workers, and a real
`flask --app app worker` process does the job. Nothing about the job lives in a web process:
the `Job` row is what both pages read."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from actions.job_chunks import STATUS_ONLY_FACTOR
from tests import factories
from tests.conftest import login
from tests.functional.job_worker import (
    copy_order,
    job_id_from,
    progress,
    running_worker,
    shared_queue,
    wait_for,
    web_app,
)

ORDERS = 600
# 12 commits of 50 orders to watch (an archive's chunk is STATUS_ONLY_FACTOR times the setting)
CHUNK = 50 // STATUS_ONLY_FACTOR


def _manager_on(client: FlaskClient) -> FlaskClient:
    assert login(client, "manager@example.com").status_code == 302
    return client


def test_a_job_started_through_one_web_worker_shows_live_progress_through_another(
    clean_db: Engine, session: Session, database_url: str, redis_url: str, tmp_path: Path
):
    # Given two web workers on one database and one Redis queue, the manager logged in on each,
    # and 600 closed orders
    made = {**factories.make_users(session), **factories.make_catalog(session)}
    template = factories.order_in_status(session, made, "closed", actor=made["manager"])
    session.commit()
    copy_order(session, template, ORDERS - 1)
    with shared_queue("redis", tmp_path, lambda: redis_url) as queue:
        first = _manager_on(web_app(database_url, queue).test_client())
        second = _manager_on(web_app(database_url, queue).test_client())

        # When the manager archives them all through the first worker
        job_id = job_id_from(
            first.post("/admin/orders/apply_filtered/?action=archive&flt1_internal_status_equals=closed")
        )

        # Then the second shows the job queued at once
        queued = progress(second, job_id)
        assert (queued["state"], queued["total"], queued["done"]) == ("queued", ORDERS, 0)

        # And, once a job worker runs it, follows it chunk by chunk to the end
        readings: list[int] = []
        with running_worker(database_url, queue, tmp_path / "worker.log", chunk=CHUNK) as worker:

            def finished() -> dict | None:
                state = progress(second, job_id)
                readings.append(state["done"])
                return state if state["finished"] else None

            report = wait_for(finished, timeout=120, what="the job did not finish", worker=worker)

    assert (report["state"], report["done"], report["skipped"]) == ("done", ORDERS, 0)
    assert readings == sorted(readings)
    assert any(0 < done < ORDERS for done in readings), readings
    assert progress(first, job_id)["done"] == ORDERS
