"""Bulk lifecycle benchmark: archive every closed order matching a grid filter, 10,000 of them.

Seeds a SQLite demo (schema by Flask-Migrate), sets exactly `--closed` orders to Closed, then,
as the demo manager through the test client, opens the "apply to all matching orders" review
page for Archive with the grid filter Internal Status = Closed and confirms it. Prints the
time of the review (count) and of the archive itself, and checks every one was archived.

    .venv/bin/python bench/bulk_bench.py [--orders 30000] [--closed 10000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, update  # noqa: E402

from bench.grid_bench import build  # noqa: E402
from models import AuditEntry, Order, db  # noqa: E402
from seed import DEMO_LOGINS  # noqa: E402

FILTER = "flt1_internal_status_equals=closed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=30_000)
    parser.add_argument("--closed", type=int, default=10_000)
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    folder = Path(args.dir or tempfile.mkdtemp(prefix="orderdesk-bulk-"))
    folder.mkdir(parents=True, exist_ok=True)
    app, _seconds = build(folder / "bulk.db", args.orders, reuse=False)
    with app.app_context():
        db.session.execute(update(Order).values(internal_status="open"))
        chosen = select(Order.id).order_by(Order.id).limit(args.closed).scalar_subquery()
        db.session.execute(update(Order).where(Order.id.in_(chosen)).values(internal_status="closed"))
        db.session.commit()
        audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    manager = DEMO_LOGINS[1]
    client = app.test_client()
    client.post("/login", data={"email": manager.email, "password": manager.password})

    started = time.monotonic()
    review = client.get(f"/admin/orders/apply_filtered/?action=archive&{FILTER}")
    review_seconds = time.monotonic() - started
    assert review.status_code == 200, review.status_code
    started = time.monotonic()
    done = client.post(f"/admin/orders/apply_filtered/?{FILTER}", data={"action": "archive"})
    archive_seconds = time.monotonic() - started
    assert done.status_code == 302, done.status_code

    with app.app_context():
        archived = db.session.scalar(
            select(func.count()).select_from(Order).where(Order.internal_status == "archived")
        )
        audit_rows = db.session.scalar(select(func.count()).select_from(AuditEntry)) - audit_before
    print(f"orders: {args.orders:,}; closed before: {args.closed:,}")
    print(f"review page (count of matching orders): {review_seconds * 1000:.0f} ms")
    print(f"archive all matching: {archive_seconds:.1f} s ({args.closed / archive_seconds:,.0f} orders/s)")
    print(f"archived after: {archived:,}; audit rows written: {audit_rows:,}")
    if archived != args.closed:
        sys.exit("not every closed order was archived")


if __name__ == "__main__":
    main()
