"""The worker's side of a job (admin/jobs/runner.py): one committed transaction per chunk, a
chunk done again when an order changed under it, a plain reason when a job fails."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from actions.jobs import claim_job, start_bulk_job
from admin.jobs import runner
from models import Job, Order, db, utcnow
from tests.factories import make_order


@pytest.fixture
def job(catalog, users) -> Job:
    """A manager's cancel job over three open orders, queued."""
    orders = [make_order(db.session, catalog, actor=users["manager"]) for _ in range(3)]
    started = start_bulk_job(db.session, "cancel", [o.id for o in orders], actor=users["manager"])
    db.session.commit()
    return started


def _reloaded(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def _cancelled() -> int:
    return db.session.scalar(select(func.count()).where(Order.internal_status == "cancelled")) or 0


def test_a_job_runs_to_the_end_in_committed_chunks(app, job):
    app.config["ORDERDESK_JOB_CHUNK"] = 2
    runner.run_job(job.id)
    done = _reloaded(job.id)
    assert (done.state, done.done, done.cursor, done.claim) == ("done", 3, 3, None)
    assert _cancelled() == 3


def test_a_chunk_that_met_a_concurrent_change_is_done_again(app, job, monkeypatch):
    # Given a handler whose first chunk fails as if another request had changed an order
    real = runner.HANDLERS["bulk"]
    calls = []

    def stale_once(session, job):
        calls.append(job.cursor)
        if len(calls) == 1:
            real(session, job)
            raise StaleDataError("changed meanwhile")
        return real(session, job)

    monkeypatch.setitem(runner.HANDLERS, "bulk", stale_once)

    # When the job runs; then the chunk was rolled back, done again, and the job finished once
    runner.run_job(job.id)
    finished = _reloaded(job.id)
    assert calls[:2] == [0, 0]
    assert (finished.state, finished.done) == ("done", 3)


def test_a_job_whose_orders_keep_changing_stops_with_a_plain_reason(app, job, monkeypatch):
    def always_stale(session, job):
        raise StaleDataError("changed meanwhile")

    monkeypatch.setitem(runner.HANDLERS, "bulk", always_stale)
    runner.run_job(job.id)
    failed = _reloaded(job.id)
    assert (failed.state, failed.error) == ("failed", runner.KEPT_CHANGING)
    assert _cancelled() == 0


def test_an_unexpected_error_fails_the_job_and_rolls_its_chunk_back(app, job, monkeypatch):
    real = runner.HANDLERS["bulk"]

    def broken(session, job):
        real(session, job)
        raise RuntimeError("a bug")

    monkeypatch.setitem(runner.HANDLERS, "bulk", broken)
    runner.run_job(job.id)
    failed = _reloaded(job.id)
    assert (failed.state, failed.error, failed.done) == ("failed", runner.UNEXPECTED, 0)
    assert _cancelled() == 0


def test_a_job_whose_owner_was_deactivated_fails_with_the_reason(app, job, users):
    users["manager"].active = False
    db.session.commit()
    runner.run_job(job.id)
    failed = _reloaded(job.id)
    assert failed.state == "failed"
    assert "has been deactivated" in failed.error
    assert _cancelled() == 0


def test_a_job_held_by_a_live_worker_is_left_alone(app, job):
    claim_job(db.session, job.id, "someone-else", now=utcnow(), stale_after=timedelta(seconds=60))
    db.session.commit()
    runner.run_job(job.id)
    held = _reloaded(job.id)
    assert (held.state, held.claim, held.done) == ("running", "someone-else", 0)


def test_a_job_whose_worker_died_is_taken_over_and_finished(app, job):
    claim_job(
        db.session, job.id, "died", now=utcnow() - timedelta(minutes=5), stale_after=timedelta(seconds=60)
    )
    db.session.commit()
    runner.run_job(job.id)
    assert _reloaded(job.id).state == "done"
    assert _cancelled() == 3


def test_the_requeue_finds_a_lost_queued_job(app, job):
    job.created_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    assert runner.abandoned_job_ids() == [job.id]


def test_the_daily_overdue_check_cancels_overdue_open_orders_as_a_system_job(app, catalog, users):
    # Given an open order whose ship-until date has passed and one still in time
    late = make_order(
        db.session, catalog, actor=users["manager"], ship_until=utcnow().date() - timedelta(days=2)
    )
    in_time = make_order(db.session, catalog, actor=users["manager"], ship_until=utcnow().date())
    db.session.commit()
    late_id, in_time_id = late.id, in_time.id

    # When the daily check starts its job and a worker runs it
    job_id = runner.start_overdue_check()
    runner.run_job(job_id)

    # Then only the late order is cancelled, by a job that belongs to no one
    done = _reloaded(job_id)
    assert (done.state, done.owner_id, done.done, done.title) == ("done", None, 1, "Cancel 1 overdue orders")
    assert db.session.get(Order, late_id).internal_status == "cancelled"
    assert db.session.get(Order, in_time_id).internal_status == "open"


def test_the_daily_overdue_check_starts_nothing_when_nothing_is_overdue(app):
    assert runner.start_overdue_check() is None
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_worker_whose_job_was_taken_over_leaves_it_running_when_its_chunk_fails(app, job, monkeypatch):
    def lose_the_job_then_time_out(session, job):
        # This worker's chunk stalls; another worker finds its heartbeat stale and takes over
        session.rollback()
        session.execute(update(Job).where(Job.id == job.id).values(claim="another-worker"))
        session.commit()
        # and this worker gives up waiting for the database
        raise OperationalError("UPDATE orders …", {}, Exception("database is locked"))

    monkeypatch.setitem(runner.HANDLERS, "bulk", lose_the_job_then_time_out)
    runner.run_job(job.id)
    held = _reloaded(job.id)
    assert (held.state, held.error, held.claim) == ("running", None, "another-worker")
