"""`flask --app app worker`: Huey's consumer over this application's queue, after queueing
again every job left unfinished (a worker killed mid-job resumes it where it stopped)."""

from __future__ import annotations

import gc
import logging
import os

from flask import Flask

from admin.jobs.queue import EXTENSION, JobQueue
from admin.jobs.runner import unfinished_job_delays

log = logging.getLogger(__name__)


def requeue_unfinished(queue: JobQueue) -> int:
    """Queue every unfinished job again, each at the time it may be taken. Running it twice
    is harmless (a job is claimed by one worker only)."""
    delays = unfinished_job_delays()
    for job_id, delay in delays:
        queue.enqueue(job_id, delay=delay)
    return len(delays)


def run_worker(app: Flask, *, threads: int, nice: int = 0) -> None:
    """Run Huey's consumer until stopped. `nice` lowers the worker's CPU priority: on a
    machine it shares with web servers, the pages get the CPU first when both want it, and
    a long job still runs at full speed when nobody is asking for a page."""
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue: JobQueue = app.extensions[EXTENSION]
    with app.app_context():
        count = requeue_unfinished(queue)
    if count:
        log.info("Queued %s unfinished jobs again", count)
    # The application's own objects live as long as the worker: out of the collector's sight.
    gc.collect()
    gc.freeze()
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
