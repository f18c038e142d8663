"""`flask --app app worker`: Huey's consumer over this application's queue, after queueing
again every job left unfinished (a worker killed mid-job resumes it where it stopped)."""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import select

from admin.jobs.queue import EXTENSION, JobQueue
from admin.jobs.runner import stale_after
from models import Job, db, utcnow

log = logging.getLogger(__name__)


def requeue_unfinished(queue: JobQueue) -> int:
    """Queue every queued or running job again, each at the time it may be taken: at once,
    or once its last worker's heartbeat is stale. Running it twice is harmless (a job is
    claimed by one worker only)."""
    now, stale = utcnow(), stale_after()
    rows = db.session.execute(
        select(Job.id, Job.state, Job.heartbeat_at, Job.run_after).where(Job.state.in_(("queued", "running")))
    ).all()
    db.session.rollback()
    for job_id, state, heartbeat, run_after in rows:
        free_at = heartbeat + stale if state == "running" and heartbeat else run_after or now
        delay = max(0.0, (free_at - now).total_seconds() + (1 if state == "running" else 0))
        queue.enqueue(job_id, delay=delay)
    return len(rows)


def run_worker(app: Flask, *, threads: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue: JobQueue = app.extensions[EXTENSION]
    with app.app_context():
        count = requeue_unfinished(queue)
    if count:
        log.info("Queued %s unfinished jobs again", count)
    consumer = queue.huey.create_consumer(
        workers=threads,
        worker_type="thread",
        periodic=True,
        # Poll an empty SQLite queue at least every second (Redis answers at once).
        initial_delay=0.1,
        backoff=1.15,
        max_delay=1.0,
        check_worker_health=True,
    )
    consumer.run()
