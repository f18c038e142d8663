"""Grid benchmark (DESIGN §6): the orders grid at 1,000 orders against N orders.

Builds two SQLite databases (schema through Flask-Migrate, data through `seed-demo`), logs
in as the demo admin through the test client, and times GET /admin/orders/ for the default
view, the Open Orders view, filters, sorts, a search and a deep page. For each case it
prints the median of 5 requests (after 1 warm-up), the ratio N/1k and the SQL statements
per request, then the query plans of the main list queries.

    .venv/bin/python bench/grid_bench.py [--orders 100000] [--reuse] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from app import create_app  # noqa: E402
from models import Customer, Order, db  # noqa: E402
from seed import DEMO_LOGINS  # noqa: E402

SMALL = 1_000
RUNS = 5
# The Flask-Login user loader's statement; reported apart from the grid's own statements.
USER_LOADER_MARK = "FROM users \nWHERE users.id = "


def make_app(path: Path) -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "SECRET_KEY": "bench",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )


def order_count(app: Flask) -> int:
    with app.app_context():
        try:
            return db.session.scalar(select(func.count()).select_from(Order)) or 0
        except Exception:  # no schema yet
            return 0


def build(path: Path, orders: int, reuse: bool) -> tuple[Flask, float | None]:
    """Migrate and seed a database (unless --reuse finds it seeded); return app, seed seconds."""
    if reuse and path.exists():
        app = make_app(path)
        if order_count(app) >= orders:
            print(f"reusing {path} ({order_count(app):,} orders)")
            return app, None
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    app = make_app(path)
    with app.app_context():
        import flask_migrate

        flask_migrate.upgrade(directory=str(ROOT / "migrations"))
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{path}", SECRET_KEY="bench")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "seed-demo", "--orders", str(orders)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    if done.returncode:
        sys.exit(f"seed-demo failed:\n{done.stdout}\n{done.stderr}")
    print(f"seed-demo --orders {orders}: {seconds:.1f} s")
    print("  " + "\n  ".join(done.stdout.strip().splitlines()[-4:-1]))
    return app, seconds


def cases(app: Flask) -> list[tuple[str, str]]:
    """The grid URLs measured; filter and sort arguments are read from the view itself."""
    with app.test_request_context():
        admin = app.extensions["admin"][0]
        view = next(v for v in admin._views if getattr(v, "endpoint", "") == "orders")
        filter_names = set(view._filter_args or {})
        columns = [name for name, _label in view._list_columns]
        customer = db.session.scalar(select(Customer.name).order_by(Customer.id)) or "A"
    now = datetime.now(UTC)
    week = f"{(now - timedelta(days=7)):%Y-%m-%d %H:%M:%S} to {now:%Y-%m-%d %H:%M:%S}"
    wanted = [
        ("default view, page 1", ""),
        ("Open Orders view", "flt1_internal_status_equals=open"),
        ("filter shipping = partially", "flt1_shipping_status_equals=partially_shipped"),
        ("filter currency = EUR", "flt1_currency_equals=EUR"),
        ("filter created last 7 days", f"flt1_created_at_between={week}"),
        ("filter total > 1000", "flt1_total_greater_than=1000"),
        ("filter ship until < today", f"flt1_ship_until_smaller_than={now:%Y-%m-%d}"),
        ("filter customer starts with", f"flt1_customer_starts_with={customer[:4]}"),
        ("filter order no. starts with", "flt1_order_number_starts_with=SO-0001"),
        ("open + currency EUR", "flt1_internal_status_equals=open&flt2_currency_equals=EUR"),
        ("sort total desc", f"sort={columns.index('total')}&desc=1"),
        ("sort customer asc", f"sort={columns.index('customer')}"),
        ("search customer prefix", f"search={customer.split()[0]}"),
        ("search PO prefix", "search=PO-12"),
        ("deep page 150", "page=150"),
    ]
    found = []
    for label, query in wanted:
        names = [part.split("=")[0].split("_", 1)[1] for part in query.split("&") if part.startswith("flt")]
        missing = [n for n in names if n not in filter_names]
        if missing:
            print(f"skipped {label!r}: the grid offers no filter {missing}")
            continue
        found.append((label, "/admin/orders/" + (f"?{query}" if query else "")))
    return found


class Recorder:
    """Counts (and keeps) the SQL statements an engine runs."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.statements.append((statement, parameters))


def measure(app: Flask, urls: list[tuple[str, str]]) -> dict[str, dict[str, Any]]:
    """Time each URL; requests run outside any app context, so each gets a fresh session."""
    results: dict[str, dict[str, Any]] = {}
    with app.app_context():
        engine = db.engine
    recorder = Recorder()
    event.listen(engine, "before_cursor_execute", recorder)
    client = app.test_client()
    login = DEMO_LOGINS[0]
    response = client.post("/login", data={"email": login.email, "password": login.password})
    assert response.status_code == 302, "admin login failed"
    for label, url in urls:
        client.get(url)  # warm-up
        times = []
        for _ in range(RUNS):
            recorder.statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, f"{url}: {response.status_code}"
        grid = [s for s in recorder.statements if USER_LOADER_MARK not in s[0]]
        results[label] = {"ms": statistics.median(times), "all": len(recorder.statements), "grid": grid}
    event.remove(engine, "before_cursor_execute", recorder)
    return results


def explain(app: Flask, statements: list[tuple[str, Any]]) -> None:
    with app.app_context():
        for sql, params in statements:
            print("    SQL: " + " ".join(sql.split())[:400])
            rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(params))
            for row in rows:
                print(f"      {row[3]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the database files")
    parser.add_argument("--dir", help="where the databases live (default: a temp dir)")
    args = parser.parse_args()
    where = Path(args.dir or (tempfile.gettempdir() + "/orderdesk-bench"))
    where.mkdir(parents=True, exist_ok=True)

    small_app, _ = build(where / "small.db", SMALL, args.reuse)
    big_app, seed_seconds = build(where / f"big-{args.orders}.db", args.orders, args.reuse)
    urls = cases(big_app)
    small, big = measure(small_app, urls), measure(big_app, urls)

    n = f"{args.orders // 1000:,}k"
    print(f"\n{'case':32} {'ms@1k':>8} {'ms@' + n:>9} {'ratio':>6} {'stmts':>6} {'grid':>5}")
    flagged = []
    for label, _url in urls:
        s, b = small[label], big[label]
        ratio = b["ms"] / s["ms"]
        print(f"{label:32} {s['ms']:8.1f} {b['ms']:9.1f} {ratio:6.2f} {b['all']:6d} {len(b['grid']):5d}")
        if ratio > 1.3 or len(b["grid"]) > 2:
            flagged.append(label)
    print("stmts = all SQL per request; grid = without the Flask-Login user load.")
    deep, first = big["deep page 150"]["ms"], big["default view, page 1"]["ms"]
    print(f"deep page 150 / page 1 at {n}: {deep / first:.2f}")
    if seed_seconds is not None:
        print(f"seed-demo --orders {args.orders}: {seed_seconds:.1f} s")

    for label in ["default view, page 1", "Open Orders view"] + [
        f for f in flagged if f not in ("default view, page 1", "Open Orders view")
    ]:
        print(f"\nEXPLAIN QUERY PLAN at {n} — {label}" + (" (over budget)" if label in flagged else ""))
        explain(big_app, big[label]["grid"])


if __name__ == "__main__":
    main()
