"""The job queue: Huey, storing its queue in SQLite under instance/ by default and in Redis
when REDIS_URL is set. It carries only job ids; the `Job` rows say what to do.

Built per application (nothing at import time): `init_jobs(app)` makes the Huey instance,
registers the tasks on it and keeps it in `app.extensions`. The web process only enqueues;
`flask --app app worker` consumes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import redis
from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from sqlalchemy import event
from sqlalchemy.orm import Session

from actions.webhook_events import take_committed_jobs
from admin.jobs.runner import abandoned_job_ids, remove_expired_exports, run_job, start_overdue_check

log = logging.getLogger(__name__)
EXTENSION = "orderdesk_jobs"


@dataclass(frozen=True)
class JobQueue:
    huey: Huey
    run_task: TaskWrapper

    def enqueue(self, job_id: int, *, delay: float | None = None) -> None:
        """Ask a worker to run the job (after `delay` seconds)."""
        if delay:
            self.run_task.schedule(args=(job_id,), delay=delay)
        else:
            self.run_task(job_id)


def job_queue() -> JobQueue:
    return current_app.extensions[EXTENSION]  # type: ignore[no-any-return]


def _queue_committed_webhooks(session: Session) -> None:
    """After a commit, hand the webhook jobs it wrote to the workers. A queue out of reach
    loses nothing: the jobs are in the database, and a worker queues forgotten jobs again.

    Inline (ORDERDESK_JOBS_IMMEDIATE) a job runs here, in an app context and session of its
    own: the committed session is not touched."""
    if not (has_app_context() and EXTENSION in current_app.extensions):
        return
    for job_id in take_committed_jobs(session):
        try:
            job_queue().enqueue(job_id)
        except Exception:
            log.exception("Webhook job %s was saved but could not be queued; a worker will find it", job_id)


def _build_huey(app: Flask) -> Huey:
    """SQLite under instance/ unless REDIS_URL is set; run in the caller's thread when
    ORDERDESK_JOBS_IMMEDIATE is on (tests that need no worker process)."""
    immediate = bool(app.config.get("ORDERDESK_JOBS_IMMEDIATE"))
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        # The worker's blocking pop waits 1 s at the server: each answer may take a little longer.
        timeout = float(app.config.get("ORDERDESK_CONNECT_TIMEOUT", 3))
        pool = redis.ConnectionPool.from_url(
            redis_url, socket_connect_timeout=timeout, socket_timeout=max(timeout, 2.0)
        )
        return RedisHuey("orderdesk", connection_pool=pool, results=False, immediate=immediate)
    path = app.config.get("ORDERDESK_QUEUE_FILE") or str(Path(app.instance_path) / "jobs-queue.db")
    return SqliteHuey("orderdesk", filename=path, results=False, immediate=immediate)


def daily_at(setting: str | None, zone: str) -> Any:
    """A periodic-task test for "every day at HH:MM in the site's time zone" (never when
    unset). Raises: RuntimeError for a time that is not HH:MM."""
    if not setting:
        return lambda _now: False
    try:
        hour, minute = (int(part) for part in setting.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError(setting)
    except ValueError:
        raise RuntimeError("ORDERDESK_CANCEL_OVERDUE_AT must be a time of day such as 02:00.") from None
    tz = ZoneInfo(zone)

    def due(now: datetime) -> bool:
        local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
        return (local.hour, local.minute) == (hour, minute)

    return due


def init_jobs(app: Flask) -> JobQueue:
    huey = _build_huey(app)
    overdue_due = daily_at(
        app.config.get("ORDERDESK_CANCEL_OVERDUE_AT"), app.config["ORDERDESK_DEFAULT_TIMEZONE"]
    )

    @huey.task(name="run_job")
    def run_job_task(job_id: int) -> None:
        with app.app_context():
            retry_in = run_job(job_id)
        if retry_in is not None:
            run_job_task.schedule(args=(job_id,), delay=retry_in)

    @huey.periodic_task(crontab(minute="*"), name="requeue_abandoned_jobs")
    def requeue_abandoned() -> None:
        """Jobs the queue lost (emptied, or a worker killed mid-task) are queued again."""
        with app.app_context():
            ids = abandoned_job_ids()
        for job_id in ids:
            log.info("Queueing job %s again: no worker was on it", job_id)
            run_job_task(job_id)

    @huey.periodic_task(overdue_due, name="cancel_overdue_orders")
    def cancel_overdue_daily() -> None:
        with app.app_context():
            job_id = start_overdue_check()
        if job_id is not None:
            run_job_task(job_id)

    @huey.periodic_task(crontab(minute="7"), name="remove_expired_exports")
    def remove_expired_exports_hourly() -> None:
        with app.app_context():
            remove_expired_exports()

    queue = JobQueue(huey, run_job_task)
    app.extensions[EXTENSION] = queue
    if not event.contains(Session, "after_commit", _queue_committed_webhooks):
        event.listen(Session, "after_commit", _queue_committed_webhooks)
    return queue
