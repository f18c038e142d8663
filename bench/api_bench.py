"""API list benchmark (issue: the REST API): GET /api/v1/orders with each grid filter at N
orders against 1,000 orders, on page one and at a cursor in the middle of the list.

Reuses bench/grid_bench.py's databases (SQLite files `small.db` and `big-N.db` in --dir, or
PostgreSQL `<name>_1k` / `<name>_big`), calls the API with a token of the demo admin through
the test client, and prints for each case the median of 5 requests (after 1 warm-up) at 1k
and at N, their ratio (target ≤ 1.3) and the SQL statements of one request.

    .venv/bin/python bench/api_bench.py [--orders 1000000] [--reuse] [--dir DIR]
                                        [--database-url postgresql://user@host:port/name]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import event, select, text  # noqa: E402

from actions.api_tokens import create_api_token  # noqa: E402
from admin.api.common import encode_cursor  # noqa: E402
from bench import databases  # noqa: E402
from bench.grid_bench import Recorder, make_app  # noqa: E402
from models import User, db, utcnow  # noqa: E402
from seed import DEMO_LOGINS  # noqa: E402

SMALL = 1_000
RUNS = 5
MAX_RATIO = 1.3
LIMIT = 50


def token(app: Flask) -> str:
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.email == DEMO_LOGINS[0].email))
        secret = create_api_token(db.session, admin, name="bench", expires_days=1, now=utcnow()).secret
        db.session.commit()
        return secret


def middle_cursor(app: Flask, args: dict[str, str]) -> str | None:
    """A cursor half way through the list the arguments give (walked by the API itself on
    the small database; on the big one, taken from the row half way in created_at order)."""
    with app.app_context():
        total = db.session.scalar(text("SELECT count(*) FROM orders")) or 0
        row = db.session.execute(
            text("SELECT id, created_at FROM orders ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET :n"),
            {"n": total // 2},
        ).first()
    if row is None or "sort" in args:
        return None
    created = (
        row.created_at if isinstance(row.created_at, datetime) else datetime.fromisoformat(row.created_at)
    )
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return encode_cursor(["-created_at", created.isoformat(), row.id])


def cases(app: Flask) -> list[tuple[str, dict[str, str]]]:
    with app.app_context():
        customer = str(db.session.scalar(text("SELECT name FROM customers ORDER BY id LIMIT 1")))
        first_name = str(db.session.scalar(text("SELECT first_name FROM customer_users ORDER BY id LIMIT 1")))
    now = datetime.now(UTC)
    week = (now - timedelta(days=7)).isoformat()
    return [
        ("default (newest first)", {}),
        ("internal status open", {"internal_status": "open"}),
        ("shipping partially shipped", {"shipping_status": "partially_shipped"}),
        ("payment pending", {"payment_status": "pending"}),
        ("currency EUR", {"currency": "EUR"}),
        ("created last 7 days", {"created_from": week}),
        ("updated last 7 days", {"updated_from": week}),
        ("total > 1000", {"total_min": "1000"}),
        ("subtotal < 100", {"subtotal_max": "100"}),
        ("ship until before today", {"ship_until_to": now.date().isoformat()}),
        ("customer starts with", {"customer": customer[:4]}),
        ("buyer word", {"customer_user": first_name}),
        ("owner word", {"owner": "sales"}),
        ("order number prefix", {"number": "SO-0001"}),
        ("PO number prefix", {"po_number": "PO-12"}),
        ("search customer word", {"q": customer.split()[0]}),
        ("open + EUR", {"internal_status": "open", "currency": "EUR"}),
        ("open + total > 1000", {"internal_status": "open", "total_min": "1000"}),
        ("sort total desc", {"sort": "-total"}),
        ("sort ship until", {"sort": "ship_until"}),
    ]


def timed(client: Any, url: str, headers: dict[str, str], recorder: Recorder) -> tuple[float, int, int]:
    """The median time, the SQL statements of one request and the orders on its page."""
    times = []
    for run in range(RUNS + 1):
        recorder.statements.clear()
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (
            f"{url}: {response.status_code} {response.get_data(as_text=True)[:300]}"
        )
        if run:
            times.append(elapsed)
    return statistics.median(times), len(recorder.statements), len(response.json["items"])


def bench(label: str, small_url: str, big_url: str, orders: int, reuse: bool) -> None:
    databases.prepare(small_url, SMALL, reuse)
    databases.prepare(big_url, orders, reuse)
    apps = [make_app(small_url), make_app(big_url)]
    tokens = [token(app) for app in apps]
    recorders = []
    for app in apps:
        recorder = Recorder()
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", recorder)
        recorders.append(recorder)
    big_count = databases.order_count(big_url)
    print(f"\n{label}: GET /api/v1/orders?limit={LIMIT} at 1,000 and {big_count:,} orders, median of {RUNS}")
    # (a page at 1k may hold fewer than LIMIT orders: fewer to write, part of its lower time)
    print(f"{'case':34} {'position':8} {'1k ms':>8} {'N ms':>8} {'N/1k':>6} {'SQL':>4} {'rows 1k/N':>9}")
    misses = 0
    for name, args in cases(apps[1]):
        for position in ("page 1", "middle"):
            results = []
            for app, secret, recorder in zip(apps, tokens, recorders, strict=True):
                query = dict(args, limit=str(LIMIT))
                if position == "middle":
                    cursor = middle_cursor(app, args)
                    if cursor is None:
                        break
                    query["cursor"] = cursor
                url = "/api/v1/orders/?" + urlencode(query)
                results.append(timed(app.test_client(), url, {"Authorization": f"Bearer {secret}"}, recorder))
            if len(results) < 2:
                continue
            (small_ms, _, small_rows), (big_ms, statements, big_rows) = results
            ratio = big_ms / small_ms
            flag = "" if ratio <= MAX_RATIO else "  MISS"
            misses += bool(flag)
            times = f"{small_ms:8.1f} {big_ms:8.1f} {ratio:6.2f}"
            print(f"{name:34} {position:8} {times} {statements:4} {small_rows:>4}/{big_rows:<4}{flag}")
    print(f"{misses} case(s) above {MAX_RATIO}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the databases")
    parser.add_argument("--dir", help="where the SQLite databases live (default: a temp dir)")
    parser.add_argument("--database-url", help="PostgreSQL: uses databases <name>_1k and <name>_big")
    args = parser.parse_args()
    if args.database_url:
        small = databases.postgres_url(args.database_url, "1k")
        big = databases.postgres_url(args.database_url, "big")
        bench("PostgreSQL", small, big, args.orders, args.reuse)
        return
    where = Path(args.dir or (tempfile.gettempdir() + "/orderdesk-bench"))
    where.mkdir(parents=True, exist_ok=True)
    bench(
        "SQLite",
        databases.sqlite_url(where / "small.db"),
        databases.sqlite_url(where / f"big-{args.orders}.db"),
        args.orders,
        args.reuse,
    )


if __name__ == "__main__":
    main()
