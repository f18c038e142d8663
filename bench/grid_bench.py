"""Grid benchmark (DESIGN §6): the orders grid at 1,000 orders against N orders, and against a
stock Flask-Admin view over the same N rows.

Builds two databases (SQLite files, or PostgreSQL databases `<name>_1k` and `<name>_big` with
--database-url; schema through `flask db upgrade`, data through `seed-demo`, then ANALYZE),
logs in as the demo admin through the test client, and times GET /admin/orders/ for the
default view, filters, combined filters, sorts, searches and deep pages, and the stock view's
equivalent URL at N, the three taking turns request by request. For each case it prints the
median of 5 requests (after 1 warm-up), the ratio N/1k, the stock/OrderDesk ratio and the SQL
statements per request, flags the cases that miss a target, then the query plans of the main
and the flagged cases.

    .venv/bin/python bench/grid_bench.py [--orders 100000] [--reuse] [--dir DIR]
                                         [--database-url postgresql://user@host:port/name]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from app import create_app  # noqa: E402
from bench import databases, stock_grid  # noqa: E402
from bench.grid_cases import NARROWING_TARGET, VIEW_TARGET, Case, build_cases, read_facts  # noqa: E402
from models import db  # noqa: E402
from models.dialect import normalize_database_url  # noqa: E402
from seed import DEMO_LOGINS  # noqa: E402

SMALL = 1_000
RUNS = 5
MAX_RATIO = 1.3  # N/1k, and a deep page against page 1
MAX_STATEMENTS = 2
# The Flask-Login user loader's statement; reported apart from the grid's own statements.
USER_LOADER_MARK = "FROM users \nWHERE users.id = "
MAIN_CASES = ("default view, page 1", "Open Orders view")


def make_app(url: str, **overrides: Any) -> Flask:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalize_database_url(url),
            "SECRET_KEY": "bench",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            **overrides,
        }
    )


def build(path: Path, orders: int, reuse: bool) -> tuple[Flask, float | None]:
    """A seeded SQLite database for the other benches: its app and the seed seconds (None: reused)."""
    url = databases.sqlite_url(path)
    seconds = databases.prepare(url, orders, reuse)
    return make_app(url), seconds


class Recorder:
    """Counts (and keeps) the SQL statements an engine runs."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        self.statements.append((statement, parameters))


@dataclass
class Timing:
    ms: float
    statements: int  # every statement of the request
    grid: list[tuple[str, Any]] = field(default_factory=list)  # without the user load


class Target:
    """One app under test: a logged-in (or anonymous) test client and its engine's statements."""

    def __init__(self, app: Flask, engine: Engine, login: bool) -> None:
        self.recorder = Recorder()
        event.listen(engine, "before_cursor_execute", self.recorder)
        self.client = app.test_client()
        if login:
            demo = DEMO_LOGINS[0]
            response = self.client.post("/login", data={"email": demo.email, "password": demo.password})
            assert response.status_code == 302, "admin login failed"

    def get(self, url: str) -> float:
        """One request, in ms; requests run outside any app context, so each gets a fresh session."""
        self.recorder.statements.clear()
        started = time.perf_counter()
        response = self.client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, f"{url}: {response.status_code}"
        return elapsed


def measure(targets: list[tuple[Target, str | None]]) -> list[Timing | None]:
    """Time one case on every target, the targets taking turns request by request so that a
    load spike from elsewhere on the machine hits them alike; None where a target has no URL."""
    runs: list[list[float]] = [[] for _ in targets]
    for target, url in targets:
        if url:
            target.get(url)  # warm-up
    for _ in range(RUNS):
        for times, (target, url) in zip(runs, targets, strict=True):
            if url:
                times.append(target.get(url))
    results: list[Timing | None] = []
    for times, (target, url) in zip(runs, targets, strict=True):
        statements = target.recorder.statements
        grid = [s for s in statements if USER_LOADER_MARK not in s[0]]
        results.append(Timing(statistics.median(times), len(statements), grid) if url else None)
    return results


def engine_of(app: Flask) -> Engine:
    with app.app_context():
        return db.engine


def stock_engine_of(app: Flask) -> Engine:
    with app.app_context():
        return stock_grid.stock_db.engine


def explain(app: Flask, statements: list[tuple[str, Any]]) -> None:
    """SQLite's EXPLAIN QUERY PLAN or PostgreSQL's EXPLAIN of each statement, with its parameters."""
    with app.app_context():
        conn = db.session.connection()
        sqlite = conn.dialect.name == "sqlite"
        for sql, params in statements:
            print("    SQL: " + " ".join(sql.split())[:400])
            prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
            for row in conn.exec_driver_sql(
                prefix + sql, params if isinstance(params, dict) else tuple(params)
            ):
                print(f"      {row[3] if sqlite else row[0]}")


def flags(case: Case, small: Timing, big: Timing, stock_ms: float | None, page_one_ms: float) -> list[str]:
    """Why a case misses DESIGN §6, in short words."""
    found = []
    # Deep pages answer to page 1 at N instead: at 1k, page 150 is past the end (an empty page).
    if not case.deep and big.ms / small.ms > MAX_RATIO:
        found.append("N/1k")
    if len(big.grid) > MAX_STATEMENTS:
        found.append("stmts")
    if stock_ms is not None and stock_ms / big.ms < case.target:
        found.append(f"<{case.target:g}x stock")
    if case.deep and big.ms / page_one_ms > MAX_RATIO:
        found.append("deep/page 1")
    return found


def bench(name: str, small_url: str, big_url: str, orders: int, reuse: bool) -> None:
    """Build both databases, time every case, print the table and the plans."""
    databases.prepare(small_url, SMALL, reuse)
    seed_seconds = databases.prepare(big_url, orders, reuse)
    small_app, big_app = make_app(small_url), make_app(big_url)
    stock_app = stock_grid.make_stock_app(normalize_database_url(big_url))
    small_facts, big_facts = read_facts(small_app), read_facts(big_app)
    small_cases = {c.label: c for c in build_cases(small_app, small_facts, None)}
    cases = build_cases(big_app, big_facts, stock_app)

    targets = (
        Target(small_app, engine_of(small_app), login=True),
        Target(big_app, engine_of(big_app), login=True),
        Target(stock_app, stock_engine_of(stock_app), login=False),
    )
    small: dict[str, Timing] = {}
    big: dict[str, Timing] = {}
    stock: dict[str, Timing] = {}
    for case in cases:
        urls = (small_cases[case.label].url, case.url, case.stock_url)
        timings = measure(list(zip(targets, urls, strict=True)))
        for found, timing in zip((small, big, stock), timings, strict=True):
            if timing:
                found[case.label] = timing

    n = f"{big_facts.orders / 1000:,.0f}k"
    sizes = f"{small_facts.orders:,} and {big_facts.orders:,} orders"
    print(f"\n{name}: {sizes}, median of {RUNS} (1k, N and stock taking turns)")
    head = f"{'case':32} {'ms@1k':>7} {'ms@' + n:>8} {'N/1k':>5} {'stock':>7} {'stock/':>7}"
    print(f"{head} {'stmts':>5} {'grid':>4}  flags")
    print(f"{'':32} {'':>7} {'':>8} {'':>5} {'ms@' + n:>7} {'OD':>7} {'':>5} {'':>4}")
    page_one = big["default view, page 1"].ms
    flagged = []
    for case in cases:
        s, b = small[case.label], big[case.label]
        stock_ms = stock[case.label].ms if case.label in stock else None
        stock_cols = (
            f"{stock_ms:7.1f} {stock_ms / b.ms:7.2f}" if stock_ms is not None else f"{'—':>7} {'—':>7}"
        )
        why = flags(case, s, b, stock_ms, page_one)
        if why:
            flagged.append(case.label)
        row = f"{case.label:32} {s.ms:7.1f} {b.ms:8.1f} {b.ms / s.ms:5.2f} {stock_cols} {b.statements:5d}"
        print(f"{row} {len(b.grid):4d}  {', '.join(why)}")
    print("stmts = all SQL per OrderDesk request; grid = without the Flask-Login user load.")
    print(
        f"Targets: N/1k ≤ {MAX_RATIO} (not deep pages), deep/page 1 ≤ {MAX_RATIO}, grid ≤ {MAX_STATEMENTS},"
        f" stock/OD ≥ {VIEW_TARGET:g} (default view, sorts) or ≥ {NARROWING_TARGET:g} (the rest)."
        " '—': no stock equivalent."
    )
    print(f"pages at {n}: {big_facts.pages:,} (middle {big_facts.pages // 2}); at 1k: {small_facts.pages}")
    print(f"search words at {n}: {big_facts.customer!r}, {big_facts.first_name!r}, {big_facts.inner_word!r}")
    for case in cases:
        if case.deep:
            print(f"{case.label} / page 1 at {n}: {big[case.label].ms / page_one:.2f}")
    if seed_seconds is not None:
        print(f"seed-demo --orders {orders}: {seed_seconds:.1f} s")

    plan = "EXPLAIN QUERY PLAN" if name == "SQLite" else "EXPLAIN"
    for label in list(MAIN_CASES) + [f for f in flagged if f not in MAIN_CASES]:
        print(f"\n{plan} at {n} — {label}" + (" (flagged)" if label in flagged else ""))
        explain(big_app, big[label].grid)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the databases")
    parser.add_argument("--dir", help="where the SQLite databases live (default: a temp dir)")
    parser.add_argument(
        "--database-url",
        help="run on PostgreSQL: postgresql://user@host:port/name uses databases name_1k and name_big",
    )
    args = parser.parse_args()
    if args.database_url:
        small_url = databases.postgres_url(args.database_url, "1k")
        big_url = databases.postgres_url(args.database_url, "big")
        bench("PostgreSQL", small_url, big_url, args.orders, args.reuse)
        return
    where = Path(args.dir or (tempfile.gettempdir() + "/orderdesk-bench"))
    where.mkdir(parents=True, exist_ok=True)
    small_url = databases.sqlite_url(where / "small.db")
    big_url = databases.sqlite_url(where / f"big-{args.orders}.db")
    bench("SQLite", small_url, big_url, args.orders, args.reuse)


if __name__ == "__main__":
    main()
