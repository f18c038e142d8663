"""`flask --app app worker`: Huey's consumer over this application's queue, after queueing
again every job left unfinished (a worker killed mid-job resumes it where it stopped), and
a watch that hands a job whose worker died to this one within seconds of its going stale."""

from __future__ import annotations

import gc
import logging
import os
import threading
import time

from flask import Flask

from admin.jobs.queue import EXTENSION, JobQueue
from admin.jobs.runner import heartbeat_every, stale_after, stalled_job_ids, unfinished_job_delays

log = logging.getLogger(__name__)


def requeue_unfinished(queue: JobQueue) -> int:
    """Queue every unfinished job again, each at the time it may be taken. Running it twice
    is harmless (a job is claimed by one worker only)."""
    delays = unfinished_job_delays()
    for job_id, delay in delays:
        queue.enqueue(job_id, delay=delay)
    return len(delays)


class StalledJobWatch:
    """Looks every few seconds (Huey's periodic tasks run once a minute) for running jobs
    whose worker died, and queues each again, once per stale time: a job this worker's
    threads are all too busy to take is not queued again at every look."""

    def __init__(self, app: Flask, queue: JobQueue) -> None:
        self.app, self.queue = app, queue
        with app.app_context():
            self.every, self.hold = heartbeat_every(), stale_after().total_seconds()
        self.queued_at: dict[int, float] = {}

    def check(self, now: float) -> list[int]:
        """Queue the stalled jobs not queued by this watch within the stale time (`now` on
        the monotonic clock); return their ids."""
        with self.app.app_context():
            stalled = stalled_job_ids()
        self.queued_at = {job_id: at for job_id, at in self.queued_at.items() if job_id in stalled}
        due = [job_id for job_id in stalled if now - self.queued_at.get(job_id, now - self.hold) >= self.hold]
        for job_id in due:
            log.info("Queueing job %s again: its worker has stopped", job_id)
            self.queue.enqueue(job_id)
            self.queued_at[job_id] = now
        return due

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.every):
            try:
                self.check(time.monotonic())
            except Exception:
                log.exception("The look for jobs whose worker stopped failed; trying again")

    def start(self) -> threading.Event:
        """Run the watch in a thread of its own until the returned event is set."""
        stop = threading.Event()
        threading.Thread(target=self.run, args=(stop,), name="stalled-job-watch", daemon=True).start()
        return stop


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
    watch = StalledJobWatch(app, queue).start()
    try:
        consumer.run()
    finally:
        watch.set()
