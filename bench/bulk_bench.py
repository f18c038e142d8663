"""Bulk job benchmark: archive every closed order matching a grid filter, through the job queue
and a real worker process, and time the grid while it runs.

Builds (or, with --reuse, reuses) grid_bench's database of N orders (the volume seed closes
about 30 % of them), then, as the demo manager
through the test client, confirms "Archive all matching orders" with the grid filter Internal
Status = Closed. A `flask worker` process runs the job. Prints the review page's time, the
job's time from the confirming request to the job's end and its rate, the audit rows written,
and the grid's default page (median) idle and while the job runs. Afterwards the archived
orders are put back to Closed, so that runs repeat and the grid bench's data stays as seeded.

    .venv/bin/python bench/bulk_bench.py [--orders 1000000] [--reuse] [--dir DIR]
        [--database-url postgresql://user@host:port/name] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from bench import databases  # noqa: E402
from bench.grid_bench import make_app  # noqa: E402
from models import AuditEntry, Job, JobItem, Order, db  # noqa: E402
from seed import DEMO_LOGINS  # noqa: E402

FILTER = "flt1_internal_status_equals=closed"


def _closed_orders(app: Flask) -> int:
    """The closed orders the job will archive (and no job of an earlier run left unfinished
    for the worker to resume)."""
    with app.app_context():
        db.session.execute(text("UPDATE jobs SET state = 'cancelled' WHERE state IN ('queued', 'running')"))
        db.session.commit()
        return db.session.scalar(select(func.count()).where(Order.internal_status == "closed")) or 0


def _restore(app: Flask, job_id: int) -> None:
    """Put the orders the job archived back to Closed, for the next run (the grid bench reads
    the same database)."""
    with app.app_context():
        db.session.execute(
            text(
                "UPDATE orders SET internal_status = 'closed' WHERE internal_status = 'archived'"
                " AND id IN (SELECT order_id FROM job_items WHERE job_id = :job)"
            ),
            {"job": job_id},
        )
        db.session.commit()


def _grid_ms(client, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get("/admin/orders/").status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    return times


def _worker(url: str, queue_file: Path, threads: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench", ORDERDESK_QUEUE_FILE=str(queue_file))
    env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "worker", "--threads", str(threads)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--dir", default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    folder = Path(args.dir or Path(tempfile.gettempdir()) / "orderdesk-bench")
    folder.mkdir(parents=True, exist_ok=True)
    if args.database_url:
        url = databases.postgres_url(args.database_url, "big")
    else:
        url = databases.sqlite_url(folder / f"big-{args.orders}.db")
    databases.prepare(url, args.orders, args.reuse)
    queue_file = folder / "bulk-queue.db"
    queue_file.unlink(missing_ok=True)
    app = make_app(url, ORDERDESK_QUEUE_FILE=str(queue_file))
    closed = _closed_orders(app)
    with app.app_context():
        audit_before = db.session.scalar(select(func.max(AuditEntry.id))) or 0

    manager = DEMO_LOGINS[1]
    client = app.test_client()
    client.post("/login", data={"email": manager.email, "password": manager.password})
    _grid_ms(client, 2)
    idle = _grid_ms(client, 7)

    worker = _worker(url, queue_file, args.threads)
    try:
        time.sleep(3)  # the worker's start-up is not the job's time
        started = time.perf_counter()
        review = client.get(f"/admin/orders/apply_filtered/?action=archive&{FILTER}")
        review_ms = (time.perf_counter() - started) * 1000
        assert review.status_code == 200, review.status_code
        started = time.perf_counter()
        response = client.post(f"/admin/orders/apply_filtered/?{FILTER}", data={"action": "archive"})
        queued_s = time.perf_counter() - started
        assert response.status_code == 302 and "/admin/jobs/" in response.location, response.location
        job_id = int(re.match(r"/admin/jobs/(\d+)/", response.location)[1])
        progress_url = f"/admin/jobs/{job_id}/progress.json"
        busy: list[float] = []
        while True:
            busy.extend(_grid_ms(client, 1))
            answer = client.get(progress_url)
            assert answer.status_code == 200, (answer.status_code, answer.get_data(as_text=True)[:2000])
            progress = answer.get_json()
            if progress["finished"]:
                break
            time.sleep(0.2)
        job_s = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    with app.app_context():
        job = db.session.get(Job, job_id)
        archived = (
            db.session.scalar(
                select(func.count()).where(
                    Order.internal_status == "archived",
                    Order.id.in_(select(JobItem.order_id).where(JobItem.job_id == job.id)),
                )
            )
            or 0
        )
        audits = (
            db.session.scalar(
                select(func.count()).where(AuditEntry.id > audit_before, AuditEntry.action == "archive")
            )
            or 0
        )
        worked_s = (job.finished_at - job.started_at).total_seconds()
    backend = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{backend}: {args.orders:,} orders, {closed:,} of them closed; worker threads: {args.threads}")
    print(f"review page (count of matching orders): {review_ms:,.0f} ms")
    print(f"confirm request (writes the job's {job.total:,} orders down, queues it): {queued_s:.2f} s")
    print(
        f"job {job.state}: {job.done:,} archived, {job.skipped:,} skipped; "
        f"request → done {job_s:.1f} s = {job.done / job_s:,.0f} orders/s end to end; "
        f"worker's own time {worked_s:.1f} s = {job.done / worked_s:,.0f} orders/s"
    )
    print(f"archived after: {archived:,}; archive audit rows written: {audits:,}")
    idle_ms, busy_ms = statistics.median(idle), statistics.median(busy)
    print(
        f"grid default page: idle {idle_ms:.1f} ms, during the job {busy_ms:.1f} ms "
        f"(median of {len(busy)}; ×{busy_ms / idle_ms:.2f})"
    )
    _restore(app, job.id)
    if archived != closed or audits != closed or job.state != "done":
        sys.exit("not every closed order was archived once with its audit row")


if __name__ == "__main__":
    main()
