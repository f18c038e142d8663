"""The job queue out of reach (Redis stopped): pages keep working, a job started meanwhile is
kept and the person is told plainly, and a worker takes it up once the queue answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

from admin.jobs.runner import unfinished_job_delays
from models import Job, Order, db
from tests.conftest import build_app, flashed_messages, login
from tests.factories import order_in_status

# Nothing listens on port 9 here: connections are refused at once, as by a stopped Redis.
REDIS_DOWN = "redis://127.0.0.1:9/0"


@pytest.fixture
def app(clean_db: Engine, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = build_app(database_url, REDIS_URL=REDIS_DOWN, ORDERDESK_JOBS_IMMEDIATE=False)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def test_a_bulk_action_while_the_queue_is_down_is_kept_and_says_so(app, catalog, users):
    # Given two closed orders, and a manager signed in while Redis is down
    closed = [order_in_status(db.session, catalog, "closed", actor=users["manager"]) for _ in range(2)]
    db.session.commit()
    client = app.test_client()
    login(client, "manager@example.com")

    # Then the grid still answers
    assert client.get("/admin/orders/").status_code == 200

    # When the manager archives both
    response = client.post(
        "/admin/orders/action/", data={"action": "archive", "rowid": [str(o.id) for o in closed]}
    )

    # Then they are taken to the job's page and told the queue is not answering
    assert response.status_code == 302 and "/admin/jobs/" in response.headers["Location"]
    [message] = flashed_messages(client)
    assert "saved, but the job queue is not answering right now" in message
    assert "starts by itself once the queue answers again" in message
    assert client.get(response.headers["Location"]).status_code == 200
    # And the job is kept, queued, for a worker to take once the queue is back
    job = db.session.query(Job).one()
    assert (job.state, job.total, job.done) == ("queued", 2, 0)
    assert [job_id for job_id, _delay in unfinished_job_delays()] == [job.id]
    assert {db.session.get(Order, o.id).internal_status for o in closed} == {"closed"}
