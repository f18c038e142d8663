"""Export benchmark: the order grid's CSV export of N orders, streamed.

Builds (or, with --reuse, reuses) the SQLite database grid_bench.py builds for N orders, then
runs each export in a process of its own, so each figure starts clean: logged in as the demo
admin, after one grid page as a warm-up, it reads GET /admin/orders/export/csv/ unbuffered and
reports the time to the first byte (the header line) and to the first order, the total time,
the rows, the session's largest identity map and the process's peak RSS (ru_maxrss) against
its peak before the export. Each case is run --runs times; the median time and the largest
RSS are printed. The panel sends exports of more than 10,000 orders to the job worker (a file
offered on the job page); this bench lifts that limit to time the streamed download itself.

    .venv/bin/python bench/export_bench.py [--orders 300000] [--runs 3] [--reuse] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy.orm import object_session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from admin.orders import export  # noqa: E402
from admin.orders.grid import DEFAULT_COLUMNS  # noqa: E402
from bench import databases  # noqa: E402
from bench.grid_bench import build, make_app  # noqa: E402
from seed import DEMO_LOGINS  # noqa: E402

CASES = (
    ("default view (newest first)", ""),
    ("created after 2000-01-01", "flt1_created_at_greater_than=2000-01-01+00:00:00"),
    (
        "open orders, by total",
        f"flt1_internal_status_equals=open&sort={DEFAULT_COLUMNS.index('total')}&desc=1",
    ),
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_one(path: Path, query: str) -> dict[str, Any]:
    """One export in this process; the figures as a dict."""
    app = make_app(databases.sqlite_url(path))
    client = app.test_client()
    login = DEMO_LOGINS[0]
    assert client.post("/login", data={"email": login.email, "password": login.password}).status_code == 302
    assert client.get("/admin/orders/").status_code == 200
    largest_map = 0
    lines = export.csv_lines

    def watched(view: Any, orders: Iterable[Any]) -> Iterator[str]:
        """The export's own lines, noting the size of its session's identity map as it goes."""

        def noted() -> Iterator[Any]:
            nonlocal largest_map
            for order in orders:
                session = object_session(order)
                assert session is not None
                largest_map = max(largest_map, len(session.identity_map))
                yield order

        return lines(view, noted())

    export.csv_lines = watched
    export.DIRECT_EXPORT_LIMIT = 10**12
    before = peak_rss_mb()
    started = time.perf_counter()
    first_byte = first_order = None
    newlines = 0
    with client.get(f"/admin/orders/export/csv/?{query}", buffered=False) as response:
        assert response.status_code == 200, response.status_code
        for chunk in response.iter_encoded():
            now = time.perf_counter() - started
            first_byte = now if first_byte is None else first_byte
            newlines += chunk.count(b"\r\n")
            if first_order is None and newlines > 1:
                first_order = now
    return {
        "first_byte": first_byte,
        "first_order": first_order,
        "total": time.perf_counter() - started,
        "rows": newlines - 1,  # the header; cells hold no line breaks in the demo data
        "identity_map": largest_map,
        "rss_before": before,
        "rss_peak": peak_rss_mb(),
    }


def run_in_child(path: Path, query: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", str(path), query],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"export run failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the database file")
    parser.add_argument("--dir", help="where the database lives (default: a temp dir)")
    parser.add_argument("--child", nargs=2, metavar=("DB", "QUERY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(Path(args.child[0]), args.child[1])))
        return
    where = Path(args.dir or (tempfile.gettempdir() + "/orderdesk-bench"))
    where.mkdir(parents=True, exist_ok=True)
    path = where / f"big-{args.orders}.db"
    build(path, args.orders, args.reuse)

    print(
        f"\n{'case':30} {'rows':>8} {'1st byte':>9} {'1st order':>9} {'total s':>8} {'rows/s':>7}"
        f" {'RSS before':>10} {'RSS peak':>9} {'id map':>7}"
    )
    for label, query in CASES:
        runs = [run_in_child(path, query) for _ in range(args.runs)]
        total = statistics.median(r["total"] for r in runs)
        rows = runs[0]["rows"]
        print(
            f"{label:30} {rows:8,} {statistics.median(r['first_byte'] for r in runs) * 1000:7.0f}ms"
            f" {statistics.median(r['first_order'] for r in runs) * 1000:7.0f}ms {total:8.1f}"
            f" {rows / total:7,.0f} {max(r['rss_before'] for r in runs):8.0f}MB"
            f" {max(r['rss_peak'] for r in runs):7.0f}MB {max(r['identity_map'] for r in runs):7,}"
        )
    print(f"median of {args.runs} runs, each in a process of its own; RSS = ru_maxrss, MB")


if __name__ == "__main__":
    main()
