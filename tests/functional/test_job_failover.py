"""A job's worker proves it is alive by a heartbeat of its own, every quarter of the stale
time, however long one chunk takes; the worker's watch hands the job of a worker that died
to another within the stale time and one more quarter of it (25 s at the default 20 s).

The clock is runner.utcnow, moved by the tests; the heartbeat thread is real, with a short
period, and each step waits for its beat (with a timeout), never for a fixed time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from actions.jobs import claim_job, stalled_jobs, start_bulk_job
from admin.jobs import runner
from admin.jobs.worker import StalledJobWatch
from models import Job, db, utcnow
from tests.factories import make_order


class Clock:
    """runner.utcnow, moved on by the test; read by the heartbeat thread too."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            return self.now

    def advance(self, seconds: float) -> datetime:
        with self.lock:
            self.now += timedelta(seconds=seconds)
            return self.now


class RecordingQueue:
    """Stands for the job queue: remembers what the watch queued."""

    def __init__(self) -> None:
        self.queued: list[int] = []

    def enqueue(self, job_id: int, *, delay: float | None = None) -> None:
        self.queued.append(job_id)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(utcnow())
    monkeypatch.setattr(runner, "utcnow", fake)
    return fake


@pytest.fixture
def job(catalog, users) -> Job:
    """A manager's cancel job over three open orders, queued."""
    orders = [make_order(db.session, catalog, actor=users["manager"]) for _ in range(3)]
    started = start_bulk_job(db.session, "cancel", [o.id for o in orders], actor=users["manager"])
    db.session.commit()
    return started


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:.0f} s")
        time.sleep(0.005)


def _heartbeat(job_id: int) -> datetime | None:
    with Session(db.engine) as other:
        return other.scalar(select(Job.heartbeat_at).where(Job.id == job_id))


def _heartbeat_threads(job_id: int) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"job-{job_id}-heartbeat" and t.is_alive()]


def test_the_stale_time_is_twenty_seconds_and_the_heartbeat_and_the_watch_run_every_five(app):
    assert runner.stale_after() == timedelta(seconds=20)
    assert runner.heartbeat_every() == 5


def test_a_job_whose_chunk_takes_forty_seconds_is_not_taken_over_while_its_worker_lives(
    app, job, clock, monkeypatch
):
    # Given a worker whose heartbeat beats at once when the clock moves, and a chunk that
    # works for 40 s after committing (as an email's or a webhook's does while it waits)
    monkeypatch.setattr(runner, "heartbeat_every", lambda: 0.01)
    stale = runner.stale_after()
    real = runner.HANDLERS["bulk"]
    other_worker: list[tuple[bool, list[int]]] = []

    def slow(session, job):
        if other_worker:  # the chunks after the first are quick
            return real(session, job)
        job_id = job.id
        session.commit()
        for _ in range(8):
            now = clock.advance(5)
            _wait_until(lambda now=now: _heartbeat(job_id) >= now, "the heartbeat did not beat")
            # When another worker looks for stalled jobs and tries to take this one
            with Session(db.engine) as other:
                found = stalled_jobs(other, now=now, stale_after=stale)
                taken = claim_job(other, job_id, "another-worker", now=now, stale_after=stale)
                other.commit()
            other_worker.append((taken, found))
        return real(session, db.session.get(Job, job_id))

    monkeypatch.setitem(runner.HANDLERS, "bulk", slow)
    runner.run_job(job.id)

    # Then it never found nor took the job, which its own worker finished
    assert other_worker == [(False, [])] * 8
    db.session.expire_all()
    finished = db.session.get(Job, job.id)
    assert (finished.state, finished.done, finished.claim) == ("done", 3, None)
    # And the heartbeat stopped with the job
    assert _heartbeat_threads(job.id) == []


def test_a_job_whose_worker_died_is_taken_over_by_the_watch_within_twenty_five_seconds(app, job, clock):
    # Given a job claimed by a worker that died at once (it never beat again)
    stale = runner.stale_after()
    assert claim_job(db.session, job.id, "dead-host:4242:1:abcdef", now=clock(), stale_after=stale)
    db.session.commit()
    queue = RecordingQueue()
    watch = StalledJobWatch(app, queue)

    # When the watch looks every few seconds, as its thread does
    elapsed = 0.0
    while not queue.queued:
        assert elapsed < 60, "the watch never queued the job"
        if elapsed < stale.total_seconds():
            # (before the stale time, a worker given the job leaves it to its holder)
            runner.run_job(job.id)
            assert db.session.get(Job, job.id).claim == "dead-host:4242:1:abcdef"
            db.session.rollback()
        clock.advance(watch.every)
        elapsed += watch.every
        watch.check(elapsed)

    # Then it queued the job once its heartbeat was stale, within 25 s of the last beat
    assert queue.queued == [job.id]
    assert stale.total_seconds() < elapsed <= stale.total_seconds() + watch.every <= 25
    # And the worker that runs it takes it over and finishes it
    runner.run_job(job.id)
    db.session.expire_all()
    assert (db.session.get(Job, job.id).state, db.session.get(Job, job.id).done) == ("done", 3)


def test_the_watch_queues_a_stalled_job_again_only_once_per_stale_time(app, job, clock):
    claim_job(db.session, job.id, "dead", now=clock(), stale_after=runner.stale_after())
    db.session.commit()
    clock.advance(60)
    watch = StalledJobWatch(app, RecordingQueue())
    assert watch.check(100.0) == [job.id]
    # a moment later (every thread of this worker busy, say) it is not queued again
    assert watch.check(105.0) == []
    # but it is once a stale time has passed and still nobody took it
    assert watch.check(120.0) == [job.id]


def test_the_heartbeat_stops_once_another_worker_holds_the_job(app, job, clock):
    # Given a worker beating for a job it holds
    assert claim_job(db.session, job.id, "me", now=clock(), stale_after=runner.stale_after())
    db.session.commit()
    with runner.heartbeat(db.engine, job.id, "me", every=0.01) as beating:
        now = clock.advance(5)
        _wait_until(lambda: _heartbeat(job.id) >= now, "the heartbeat did not beat")

        # When another worker holds the job (it took it over)
        db.session.execute(update(Job).where(Job.id == job.id).values(claim="another-worker"))
        db.session.commit()
        clock.advance(5)

        # Then the heartbeat stops by itself, leaving the other worker's heartbeat alone
        beating.join(timeout=10)
        assert not beating.is_alive()
    assert _heartbeat(job.id) == now
