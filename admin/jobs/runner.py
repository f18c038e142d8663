"""Running one job in a worker: claim it, then one transaction per chunk until it ends.

The worker is the caller of the job's actions, as a view is of a form's: it commits each
chunk (the orders changed, their audit rows, the job's cursor and counts) or rolls it back
whole. A worker that dies loses only the chunk in flight; whoever claims the job next
starts after the last committed chunk.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import current_app

from actions.attachments import remove_stored_file
from actions.errors import DomainError
from actions.job_chunks import ChunkResult, run_bulk_chunk
from actions.jobs import claim_job, finish_job, renew_claim
from models import Job, db, utcnow
from models.dialect import writer_pause

log = logging.getLogger(__name__)
UNEXPECTED = "An unexpected error stopped the job; what was done before it is kept. It has been logged."

Handler = Callable[[Any, Job], ChunkResult]


def _bulk(session: Any, job: Job) -> ChunkResult:
    return run_bulk_chunk(
        session, job, upload_dir=current_app.config["ORDERDESK_UPLOAD_DIR"], size=chunk_size()
    )


HANDLERS: dict[str, Handler] = {"bulk": _bulk}


def chunk_size() -> int:
    return int(current_app.config.get("ORDERDESK_JOB_CHUNK", 500))


def stale_after() -> timedelta:
    """How long a running job's worker may be silent before another worker takes it over."""
    return timedelta(seconds=int(current_app.config.get("ORDERDESK_JOB_STALE_SECONDS", 60)))


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


def run_job(job_id: int) -> None:
    """Run a job to its end, unless another worker holds it (then do nothing)."""
    session = db.session
    me = worker_name()
    if not claim_job(session, job_id, me, now=utcnow(), stale_after=stale_after()):
        session.rollback()
        return
    session.commit()
    while True:
        job = session.get(Job, job_id)
        if job is None:
            return
        try:
            if not renew_claim(session, job, me, now=utcnow()):
                session.rollback()
                log.warning("Job %s was taken over by another worker", job_id)
                return
            result = HANDLERS[job.kind](session, job)
            session.commit()
        except DomainError as exc:
            _fail(job_id, me, exc.message)
            return
        except Exception:
            log.exception("Job %s failed", job_id)
            _fail(job_id, me, UNEXPECTED)
            return
        for path in result.files_to_remove:
            remove_stored_file(path)
        if result.retry_in is not None:
            from admin.jobs.queue import job_queue

            job_queue().enqueue(job_id, delay=result.retry_in)
        if not result.more:
            return
        time.sleep(pause_between_chunks())


def _fail(job_id: int, worker: str, message: str) -> None:
    """Roll back the chunk in flight and mark the job failed with a plain reason, unless
    another worker has taken the job over meanwhile: it is theirs to finish (this worker's
    error may be no more than waiting for their chunk)."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is not None and renew_claim(db.session, job, worker, now=utcnow()):
        finish_job(db.session, job, "failed", error=message)
    db.session.commit()
