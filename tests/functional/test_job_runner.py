"""The worker's loop over one job, in process: an error in a chunk fails the job, unless
another worker has taken the job over meanwhile (then the job is theirs)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from actions.jobs import start_bulk_job
from admin.jobs import runner
from models import Job, Order, db


def _job_archiving(order: Order, actor: Any) -> int:
    job = start_bulk_job(db.session, "archive", [order.id], actor=actor)
    db.session.commit()
    return job.id


def test_an_unexpected_error_in_a_chunk_fails_the_job_and_keeps_nothing_of_the_chunk(
    app: Flask, users: dict[str, Any], closed_order: Order, monkeypatch: pytest.MonkeyPatch
) -> None:
    def archive_then_break(session: Any, job: Job) -> Any:
        runner.run_bulk_chunk(session, job, upload_dir=None)
        raise RuntimeError("the disk is full")

    monkeypatch.setitem(runner.HANDLERS, "bulk", archive_then_break)
    job_id = _job_archiving(closed_order, users["manager"])

    runner.run_job(job_id)

    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.state, job.error, job.claim, job.done) == ("failed", runner.UNEXPECTED, None, 0)
    assert db.session.get(Order, closed_order.id).internal_status == "closed"


def test_a_worker_whose_job_was_taken_over_leaves_it_running_when_its_chunk_fails(
    app: Flask, users: dict[str, Any], closed_order: Order, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lose_the_job_then_time_out(session: Any, job: Job) -> Any:
        # This worker's chunk stalls; another worker finds its heartbeat stale and takes over
        session.rollback()
        session.execute(update(Job).where(Job.id == job.id).values(claim="another-worker"))
        session.commit()
        # and this worker gives up waiting for the database
        raise OperationalError("UPDATE orders …", {}, Exception("database is locked"))

    monkeypatch.setitem(runner.HANDLERS, "bulk", lose_the_job_then_time_out)
    job_id = _job_archiving(closed_order, users["manager"])

    runner.run_job(job_id)

    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.state, job.error, job.claim) == ("running", None, "another-worker")
