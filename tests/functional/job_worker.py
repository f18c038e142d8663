"""A real job worker for the tests that go through the queue, as production runs jobs:
`flask --app app worker` in a process of its own, on the test database, and a web app that
enqueues into the same queue (a SQLite file, or a Redis database).

Every other test runs jobs inline (ORDERDESK_JOBS_IMMEDIATE); these prove the queue itself,
the worker's claim and resume after a crash, and Cancel between chunks.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import AuditEntry, Order, order_identifier
from seed.bulk import BulkInsert, resync_sequences
from tests.conftest import UPLOAD_DIR, build_app
from tests.redis_server import flush

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")
# A crashed worker's job is taken over after this long without a heartbeat: longer than a
# chunk of 500 orders takes on a busy machine, short enough for a test to wait.
STALE_SECONDS = 10


@dataclass(frozen=True)
class SharedQueue:
    """Where the web app and the worker meet: a SQLite queue file, or a Redis database."""

    file: str | None = None
    redis_url: str | None = None

    @property
    def config(self) -> dict[str, Any]:
        return {"ORDERDESK_QUEUE_FILE": self.file, "REDIS_URL": self.redis_url}

    def empty(self) -> None:
        """Drop every queued task (Redis outlives a test; a queue file does not)."""
        if self.redis_url:
            flush(self.redis_url)


@contextmanager
def shared_queue(kind: str, tmp_path: Path, redis_url: Callable[[], str]) -> Iterator[SharedQueue]:
    """A queue of this kind ("sqlite" or "redis"), empty at the start and at the end."""
    if kind == "redis":
        queue = SharedQueue(redis_url=redis_url())
    else:
        queue = SharedQueue(file=str(tmp_path / "queue.db"))
    queue.empty()
    try:
        yield queue
    finally:
        queue.empty()


def queue_params() -> list[Any]:
    """Both queue kinds for `pytest.mark.parametrize`; the Redis one runs on the xdist worker
    that owns the shared Redis database (tests/conftest.py)."""
    return ["sqlite", pytest.param("redis", marks=pytest.mark.xdist_group("redis"))]


def web_app(database_url: str, queue: SharedQueue, **overrides: Any) -> Flask:
    """The test app, enqueuing into `queue` instead of running jobs in the request."""
    return build_app(database_url, ORDERDESK_JOBS_IMMEDIATE=False, **queue.config, **overrides)


class WorkerProcess:
    """`flask --app app worker` on the test database; its output goes to a log file that a
    failing wait shows."""

    def __init__(self, database_url: str, queue: SharedQueue, log_path: Path, *, chunk: int) -> None:
        self.log_path = log_path
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "worker-test-secret",
            "ORDERDESK_UPLOAD_DIR": UPLOAD_DIR,
            "ORDERDESK_JOB_STALE_SECONDS": str(STALE_SECONDS),
            "ORDERDESK_JOB_CHUNK": str(chunk),
        }
        for name, value in queue.config.items():
            self.env.pop(name, None)
            if value:
                self.env[name] = value
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "app", "worker"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def crash(self) -> None:
        """Kill the worker with SIGKILL: no cleanup, the chunk in flight is lost."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def running_worker(
    database_url: str, queue: SharedQueue, log_path: Path, *, chunk: int = 500
) -> Iterator[WorkerProcess]:
    """A worker started now and stopped (terminated, then killed) when the block ends."""
    worker = WorkerProcess(database_url, queue, log_path, chunk=chunk)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()


def wait_for(condition: Callable[[], T | None], *, timeout: float, what: str, worker: WorkerProcess) -> T:
    """Poll `condition` until it gives something true; fail with the worker's log if not."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {timeout:.0f} s; the worker's log:\n{worker.log()[-4000:]}")
        time.sleep(0.1)


def job_id_from(response: Any) -> int:
    """The job a "start a job" response redirects to (/admin/jobs/<id>/?back=…)."""
    assert response.status_code == 302, response.status_code
    match = re.match(r"/admin/jobs/(\d+)/(\?|$)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match[1])


def progress(client: FlaskClient, job_id: int) -> dict[str, Any]:
    response = client.get(f"/admin/jobs/{job_id}/progress.json")
    assert response.status_code == 200
    return dict(response.json or {})


def wait_until_finished(
    client: FlaskClient, job_id: int, worker: WorkerProcess, *, timeout: float = 60
) -> dict[str, Any]:
    """Poll the job's progress as its page does, until the job has finished."""

    def finished() -> dict[str, Any] | None:
        state = progress(client, job_id)
        return state if state["finished"] else None

    return wait_for(finished, timeout=timeout, what=f"job {job_id} did not finish", worker=worker)


# ---- many orders, quickly ----------------------------------------------------------------


def copy_order(session: Session, template: Order, count: int) -> list[int]:
    """Insert `count` copies of an order's row (same status, customer, addresses, totals;
    no lines, no audit trail) in one bulk insert; return their ids. Commits.

    Made through the actions, 50,000 orders take minutes; a job only needs their rows."""
    table = Order.__table__
    columns = [c.name for c in table.columns if c.name not in ("id", "identifier", "submission_key")]
    row = session.execute(select(*(table.c[c] for c in columns)).where(table.c.id == template.id)).one()
    first = (session.scalar(select(func.max(Order.id))) or 0) + 1
    ids = list(range(first, first + count))
    insert = BulkInsert(session, table, ["id", "identifier", *columns])
    insert(session, [(oid, order_identifier(oid), *row) for oid in ids])
    resync_sequences(session, ["orders"])
    session.commit()
    return ids


def audit_actions(session: Session, action: str) -> dict[int, int]:
    """How many audit rows of this action each order has."""
    query = (
        select(AuditEntry.order_id, func.count())
        .where(AuditEntry.entity_type == "Order", AuditEntry.action == action)
        .group_by(AuditEntry.order_id)
    )
    return {order_id: count for order_id, count in session.execute(query)}
