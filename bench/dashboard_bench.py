"""Dashboard benchmark (issue 16): the median time of each of the dashboard's queries at the
volume of an existing database, and, for comparison, the same figures summed from the orders.

Uses grid_bench's database of N orders (`big-N.db` in --dir, or --database-url), brought to
the current schema (`flask db upgrade` fills the running totals); --rebuild also times
`rebuild_rollups` (as `flask rebuild-dashboard` runs it, rolled back here).

    .venv/bin/python bench/dashboard_bench.py [--orders 1000000] [--dir DIR]
                                              [--database-url URL] [--runs 7] [--rebuild]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from actions import dashboard  # noqa: E402
from actions.rollups import rebuild_rollups  # noqa: E402
from bench import databases  # noqa: E402
from models import InternalStatus, Order, utcnow  # noqa: E402

TARGET_MS = 100.0


def median_ms(run: Callable[[], Any], runs: int) -> float:
    """The median of `runs` timed calls, after one untimed warm-up."""
    run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def direct_cases(session: Session, today: Any) -> dict[str, Callable[[], Any]]:
    """The same figures summed from the orders table, as a page would without the totals."""
    first = datetime.combine(today - timedelta(days=89), datetime.min.time(), UTC)
    revenue = Order.internal_status != InternalStatus.CANCELLED
    return {
        "direct: per day, 90 days": lambda: session.execute(
            select(func.date(Order.created_at), Order.currency, func.count(), func.sum(Order.total))
            .where(Order.created_at >= first, revenue)
            .group_by(func.date(Order.created_at), Order.currency)
        ).all(),
        "direct: by status": lambda: session.execute(
            select(Order.internal_status, func.count()).group_by(Order.internal_status)
        ).all(),
        "direct: top customers": lambda: session.execute(
            select(Order.customer_id, Order.currency, func.sum(Order.total).label("s"))
            .where(revenue)
            .group_by(Order.customer_id, Order.currency)
            .order_by(func.sum(Order.total).desc())
            .limit(20)
        ).all(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "orderdesk-bench")
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true", help="also time rebuild_rollups")
    args = parser.parse_args()
    url = args.database_url or databases.sqlite_url(args.dir / f"big-{args.orders}.db")
    engine = databases.engine_for(url)
    today = utcnow().date()
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(Order)) or 0
        cases: dict[str, Callable[[], Any]] = {
            "per day, 30 days": lambda: dashboard.daily_revenue(session, today, 30),
            "per day, 90 days": lambda: dashboard.daily_revenue(session, today, 90),
            "orders today": lambda: dashboard.orders_created_on(session, today),
            "orders by status": lambda: dashboard.orders_by_status(session),
            "top customers": lambda: dashboard.top_customers(session),
            "overdue open orders": lambda: dashboard.overdue_open_orders(session, today),
            "latest orders": lambda: dashboard.latest_orders(session),
        }
        print(f"{engine.dialect.name}: {count:,} orders, median of {args.runs} after a warm-up")
        print(f"{'query':32} {'ms':>9}  flag")
        page = 0.0
        for name, run in cases.items():
            ms = median_ms(run, args.runs)
            page += ms
            session.expunge_all()
            print(f"{name:32} {ms:9.1f}  {'over ' + str(int(TARGET_MS)) + ' ms' if ms > TARGET_MS else ''}")
        print(f"{'all of the page':32} {page:9.1f}")
        for name, run in direct_cases(session, today).items():
            print(f"{name:32} {median_ms(run, 1):9.1f}  (for comparison, not used)")
        if args.rebuild:
            started = time.perf_counter()
            rebuild_rollups(session)
            print(f"{'rebuild_rollups':32} {(time.perf_counter() - started) * 1000:9.1f}  (rolled back)")
            session.rollback()
    engine.dispose()


if __name__ == "__main__":
    main()
