"""Running one job in a worker: claim it, then one transaction per chunk until it ends.

The worker is the caller of the job's actions, as a view is of a form's: each chunk (the
orders changed, their audit rows, the job's cursor and counts) is one transaction, committed
or rolled back whole by admin/base.py's run_in_transaction. A worker that dies loses only
the chunk in flight; whoever claims the job next starts after the last committed chunk.
"""

from __future__ import annotations

import gc
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from flask import current_app
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from actions.email_jobs import run_email_job
from actions.errors import DomainError
from actions.export_jobs import expire_export_files
from actions.job_chunks import ChunkResult, run_bulk_chunk, start_overdue_job
from actions.jobs import abandoned_jobs, claim_job, finish_job, renew_claim, renew_heartbeat, stalled_jobs
from actions.webhook_delivery import run_webhook_chunk
from actions.webhook_http import post_webhook
from admin.base import run_in_transaction, run_read
from admin.jobs.export_file import job_folder, run_export_chunk
from admin.jobs.print_file import run_print_chunk
from admin.settings import mail_settings, storage, webhooks_allow_private
from models import Job, db, utcnow
from models.dialect import writer_pause

log = logging.getLogger(__name__)
STALE_RETRIES = 3
KEPT_CHANGING = "Others kept changing orders of this job while it ran, so it stopped; what was done is kept."
UNEXPECTED = "An unexpected error stopped the job; what was done before it is kept. It has been logged."

Handler = Callable[[Any, Job], ChunkResult]


def _bulk(session: Any, job: Job) -> ChunkResult:
    return run_bulk_chunk(session, job, size=chunk_size())


def _email(session: Any, job: Job) -> ChunkResult:
    return run_email_job(
        session,
        job,
        settings=mail_settings(),
        storage=storage(),
        retry_delays=current_app.config["ORDERDESK_EMAIL_RETRY_DELAYS"],
    )


def _webhook(session: Any, job: Job) -> ChunkResult:
    return run_webhook_chunk(
        session,
        job,
        send=partial(post_webhook, allow_private=webhooks_allow_private()),
        retry_delays=current_app.config["ORDERDESK_WEBHOOK_RETRY_DELAYS"],
    )


HANDLERS: dict[str, Handler] = {
    "bulk": _bulk,
    "email": _email,
    "export": run_export_chunk,
    "print": run_print_chunk,
    "webhook": _webhook,
}
# The kinds whose chunk waits on another server (a mail server, a webhook's endpoint): the
# claim's renewal is committed before it is asked, so that no lock is held while it answers
# (on SQLite, the whole database's; on PostgreSQL, the job's row, which the heartbeat renews
# meanwhile); the chunk writes what it sent in a second transaction. Any other chunk renews
# the claim in the chunk's own transaction, so that the job's row stays locked while it works.
WAITS_ON_A_SERVER = frozenset({"email", "webhook"})


class TakenOver(Exception):
    """The job is no longer this worker's: another took it over (see stalled_jobs)."""


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside a chunk: a chunk makes thousands of ORM objects,
    and the collections they set off took as long as the chunk's own work. What the chunk
    leaves is collected after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def chunk_size() -> int:
    return int(current_app.config.get("ORDERDESK_JOB_CHUNK", 500))


def stale_after() -> timedelta:
    """How long a running job's worker may be silent before another worker takes it over."""
    return timedelta(seconds=float(current_app.config.get("ORDERDESK_JOB_STALE_SECONDS", 20)))


def heartbeat_every() -> float:
    """Seconds between two heartbeats of a running job, and between two looks for jobs whose
    worker died: a quarter of the stale time, so that a few missed beats (a busy database) do
    not lose a live worker its job, and a dead worker's job is found soon after it is stale."""
    return stale_after().total_seconds() / 4


def pause_between_chunks() -> float:
    """Seconds to leave the database free after a chunk, so that a writer waiting meanwhile
    (Cancel, someone editing an order) gets its turn; none when jobs run inline, in the
    request that queued them."""
    if current_app.config.get("ORDERDESK_JOBS_IMMEDIATE"):
        return 0.0
    return writer_pause(db.engine)


def worker_name() -> str:
    """Host, process and thread, and a random part: unique to one run of one job."""
    thread = threading.get_ident() % 10_000
    return f"{socket.gethostname()[:16]}:{os.getpid()}:{thread}:{uuid.uuid4().hex[:6]}"


@contextmanager
def heartbeat(engine: Engine, job_id: int, worker: str, *, every: float) -> Iterator[threading.Thread]:
    """Renew the worker's heartbeat on the job every `every` seconds, in a thread with a
    connection of its own, for as long as the block runs, however long one chunk takes. Each
    beat is one short UPDATE of the job's row, committed at once. The beats stop with the
    block, or when the job is no longer this worker's (finished, or taken over)."""
    stop = threading.Event()
    thread = threading.Thread(
        target=_beat, args=(engine, job_id, worker, every, stop), name=f"job-{job_id}-heartbeat", daemon=True
    )
    thread.start()
    try:
        yield thread
    finally:
        stop.set()
        thread.join(timeout=30)


def _beat(engine: Engine, job_id: int, worker: str, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        try:
            with Session(engine) as session:
                beat = partial(renew_heartbeat, session, job_id, worker, now=utcnow())
                held = run_in_transaction(beat, session=session)
        except Exception as exc:
            # A database that is busy (a chunk holds SQLite's write lock) or out of reach for
            # a moment: the next beat tries again; the chunk's own renewal covers meanwhile.
            log.warning("Job %s: the heartbeat was not saved (%s); trying again", job_id, exc)
            continue
        if not held:
            return


def run_job(job_id: int) -> float | None:
    """Run a job to its end, unless another worker holds it (then do nothing). Return the
    seconds after which the job wants to run again (an email's next try), for the caller
    to queue it then."""
    me = worker_name()
    claim = partial(claim_job, db.session, job_id, me, now=utcnow(), stale_after=stale_after())
    if not run_in_transaction(claim):
        return None
    with heartbeat(db.engine, job_id, me, every=heartbeat_every()):
        return _run_chunks(job_id, me)


def _run_chunks(job_id: int, me: str) -> float | None:
    """The chunks of a job this worker has claimed, each checking first that the job is
    still its own (a worker whose job was taken over stops there)."""
    session = db.session
    stale_chunks = 0
    while True:
        job = session.get(Job, job_id)
        if job is None:
            return None
        try:
            with collector_paused():
                result = _run_chunk(session, job, me)
        except TakenOver:
            log.warning("Job %s was taken over by another worker", job_id)
            return None
        except StaleDataError:
            # Someone changed an order of the chunk meanwhile: do the chunk again, reading
            # the orders afresh (their rules are checked again then).
            stale_chunks += 1
            if stale_chunks <= STALE_RETRIES:
                continue
            _fail(job_id, me, KEPT_CHANGING)
            return None
        except DomainError as exc:
            _fail(job_id, me, exc.message)
            return None
        except Exception:
            log.exception("Job %s failed", job_id)
            _fail(job_id, me, UNEXPECTED)
            return None
        stale_chunks = 0
        if result.files_to_remove:
            files = storage()
            for key in result.files_to_remove:
                files.delete(key)
        if not result.more:
            return result.retry_in
        time.sleep(pause_between_chunks())


def _run_chunk(session: Any, job: Job, me: str) -> ChunkResult:
    """One chunk of the job, committed (or rolled back whole), after renewing the claim.

    Raises:
        TakenOver: the job is no longer this worker's; nothing of the chunk was done.
    """
    if job.kind in WAITS_ON_A_SERVER:
        run_in_transaction(partial(_renew_claim, session, job, me))
        return run_in_transaction(partial(_work, session, job, me))

    def claimed_work() -> ChunkResult:
        _renew_claim(session, job, me)
        return _work(session, job, me)

    return run_in_transaction(claimed_work)


def _renew_claim(session: Any, job: Job, me: str) -> None:
    if not renew_claim(session, job, me, now=utcnow()):
        raise TakenOver(job.id)


def _work(session: Any, job: Job, me: str) -> ChunkResult:
    result = HANDLERS[job.kind](session, job)
    # A chunk that held the job's row (or SQLite's write lock) while it worked kept the
    # heartbeat out meanwhile: it ends with a fresh one.
    renew_heartbeat(session, job.id, me, now=utcnow())
    return result


def abandoned_job_ids() -> list[int]:
    """Jobs nobody works on (see actions.jobs.abandoned_jobs), to queue again."""
    return run_read(lambda: abandoned_jobs(db.session, now=utcnow(), stale_after=stale_after()))


def stalled_job_ids() -> list[int]:
    """Running jobs whose worker died (see actions.jobs.stalled_jobs), for another to take."""
    session = Session(db.engine)
    try:
        return stalled_jobs(session, now=utcnow(), stale_after=stale_after())
    finally:
        session.close()


def unfinished_job_delays() -> list[tuple[int, float]]:
    """Every queued or running job with the seconds until a worker may take it: at once, or
    once the heartbeat of the worker that had it is stale (a worker restarted after a crash
    resumes its jobs this way)."""
    now, stale = utcnow(), stale_after()
    unfinished = select(Job.id, Job.state, Job.heartbeat_at, Job.run_after).where(
        Job.state.in_(("queued", "running"))
    )
    rows = run_read(lambda: db.session.execute(unfinished).all())
    delays = []
    for job_id, state, heartbeat, run_after in rows:
        free_at = heartbeat + stale if state == "running" and heartbeat else run_after or now
        delays.append((job_id, max(0.0, (free_at - now).total_seconds() + (1 if state == "running" else 0))))
    return delays


def start_overdue_check() -> int | None:
    """The daily job cancelling overdue open orders (None when there is none), committed."""
    job = run_in_transaction(lambda: start_overdue_job(db.session, utcnow().date()))
    return job.id if job is not None else None


def _fail(job_id: int, worker: str, message: str) -> None:
    """Mark the job failed with a plain reason (its chunk in flight was rolled back), unless
    another worker has taken the job over meanwhile: it is theirs to finish (this worker's
    error may be no more than waiting for their chunk)."""

    def mark_failed() -> None:
        job = db.session.get(Job, job_id)
        if job is not None and renew_claim(db.session, job, worker, now=utcnow()):
            finish_job(db.session, job, "failed", error=message)

    run_in_transaction(mark_failed)


def remove_expired_exports() -> int:
    """Remove the files of exports finished more than ORDERDESK_EXPORT_KEEP_DAYS days ago
    (0 keeps them for ever), after the jobs say so; return how many exports lost their file."""
    days = int(current_app.config["ORDERDESK_EXPORT_KEEP_DAYS"])
    if days <= 0:
        return 0
    finished_before = utcnow() - timedelta(days=days)
    expired = run_in_transaction(lambda: expire_export_files(db.session, finished_before=finished_before))
    files = storage()
    for job in expired:
        for key in files.sizes(job_folder(job)):
            files.delete(key)
    return len(expired)
