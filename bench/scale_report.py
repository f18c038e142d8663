"""What bench/scale.sh prints after its Locust run, and what makes it fail.

Reads the locustfile's log of every request (the table per request type: p50/p95/p99, errors,
req/s; and what happened around each fault), the faults scale.sh caused (a line each: epoch
seconds, what) and, in SQL through DATABASE_URL, the archive job: its duration, and a check
that every order of its job_items (but the skipped ones) is archived and has exactly one
`archive` audit row. Exits non-zero on a failed check or on any failed request not explained
by a fault: a request in flight on the web worker killed on purpose, cut off with its
connection.

    .venv/bin/python bench/scale_report.py --requests FILE --faults FILE --job ID
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.dialect import normalize_database_url  # noqa: E402

# p95 targets (ms) per request type (bench/README.md, "scale.sh").
TARGETS = {
    "grid": 300,
    "grid filter": 300,
    "search": 300,
    "deep page": 300,
    "order page": 200,
    "create order": 500,
}
KILLED = ("Connection aborted", "RemoteDisconnected", "ConnectionResetError", "Connection reset")
AFTER_KILL = 5  # seconds after the web worker's kill whose requests are shown

JOB = text(
    "SELECT state, total, done, skipped, created_at, started_at, finished_at, error FROM jobs WHERE id = :job"
)
NOT_ARCHIVED = text(
    "SELECT count(*) FROM job_items i LEFT JOIN orders o ON o.id = i.order_id"
    " WHERE i.job_id = :job AND i.skip_label IS NULL AND (o.id IS NULL OR o.internal_status <> 'archived')"
)
AUDIT_ROWS = text(
    "SELECT count(*) FILTER (WHERE n = 0), count(*) FILTER (WHERE n > 1) FROM ("
    " SELECT (SELECT count(*) FROM audit_entries a"
    "  WHERE a.order_id = i.order_id AND a.action = 'archive') AS n"
    " FROM job_items i WHERE i.job_id = :job AND i.skip_label IS NULL) per_order"
)


def percentile(times: list[float], share: float) -> float:
    """Nearest-rank percentile of sorted `times`."""
    return times[max(0, math.ceil(share * len(times)) - 1)]


def stats_table(requests: list[dict], seconds: float) -> list[str]:
    """Per request type (and all together): count, failures, p50/p95/p99, max, req/s, and the
    p95 target where there is one."""
    lines = [
        f"{'request type':<20}{'reqs':>7}{'fails':>7}{'p50':>7}{'p95':>7}{'p99':>7}{'max':>8}{'req/s':>7}"
        "  p95 target"
    ]
    groups = {
        name: [r for r in requests if r["name"] == name] for name in sorted({r["name"] for r in requests})
    }
    for name, rows in [*groups.items(), ("all", requests)]:
        times = sorted(r["ms"] for r in rows)
        p95 = percentile(times, 0.95)
        target = TARGETS.get(name)
        verdict = "" if target is None else f"  ≤ {target} ms " + ("ok" if p95 <= target else "MISSED")
        lines.append(
            f"{name:<20}{len(rows):>7}{sum(1 for r in rows if r['error']):>7}"
            f"{percentile(times, 0.5):>7.0f}{p95:>7.0f}{percentile(times, 0.99):>7.0f}{times[-1]:>8.0f}"
            f"{len(rows) / seconds:>7.2f}{verdict}"
        )
    return lines


def read_faults(path: Path) -> list[tuple[float, str]]:
    if not path.exists():
        return []
    return [
        (float(when), what) for when, what in (line.split(" ", 1) for line in path.read_text().splitlines())
    ]


def expected(request: dict, faults: list[tuple[float, str]]) -> bool:
    """A request the web worker killed on purpose cut off: in flight at the kill (give or
    take a second), failed on a dropped connection."""
    start, end = request["t"], request["t"] + request["ms"] / 1000
    return any(
        what.startswith("kill -9 gunicorn")
        and start - 1 <= when <= end + 1
        and any(mark in request["error"] for mark in KILLED)
        for when, what in faults
    )


def window(requests: list[dict], start: float, end: float) -> str:
    """The requests started between two moments: how many, failed, and their times."""
    inside = [r for r in requests if start <= r["t"] <= end]
    if not inside:
        return "no request"
    times = sorted(r["ms"] for r in inside)
    failed = Counter(r["error"] for r in inside if r["error"])
    p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
    described = "; ".join(f"{n}× {error}" for error, n in failed.items()) or "none failed"
    return (
        f"{len(inside)} requests, {sum(failed.values())} failed ({described}); "
        f"median {statistics.median(times):.0f} ms, p95 {p95:.0f} ms, max {times[-1]:.0f} ms"
    )


def fault_lines(requests: list[dict], faults: list[tuple[float, str]], began: float) -> list[str]:
    lines = [f"  t={when - began:5.0f} s  {what}" for when, what in faults]
    for when, what in faults:
        if what.startswith("kill -9 gunicorn"):
            lines.append(
                f"  requests in the {AFTER_KILL} s after the web worker's kill: "
                + window(requests, when, when + AFTER_KILL)
            )
        if what == "redis stopped":
            back = next((w for w, x in faults if x == "redis started again" and w >= when), when)
            lines.append(
                f"  requests while Redis was down ({back - when:.0f} s): " + window(requests, when, back)
            )
    return lines


def job_lines(job_id: int, last_request: float) -> tuple[list[str], bool]:
    """The job's figures and the SQL check; True when the check passed."""
    engine = create_engine(normalize_database_url(os.environ["DATABASE_URL"]))
    with engine.connect() as conn:
        job = conn.execute(JOB, {"job": job_id}).one()
        not_archived = conn.execute(NOT_ARCHIVED, {"job": job_id}).scalar_one()
        no_audit, twice = conn.execute(AUDIT_ROWS, {"job": job_id}).one()
    engine.dispose()
    lasted = (job.finished_at - job.created_at).total_seconds()
    worked = (job.finished_at - job.started_at).total_seconds()
    during = (
        "while users worked" if job.finished_at.timestamp() <= last_request else "after the users stopped"
    )
    ok = (
        job.state == "done"
        and job.done + job.skipped == job.total
        and not (not_archived or no_audit or twice)
    )
    return [
        f"archive job {job_id}: {job.state}, {job.total:,} orders, {job.done:,} archived,"
        f" {job.skipped:,} skipped" + (f" ({job.error})" if job.error else ""),
        f"  created → finished {lasted:.1f} s ({job.done / lasted:,.0f} orders/s); started → finished"
        f" {worked:.1f} s; finished {during}",
        f"  check: {not_archived:,} orders of the job not archived, {no_audit:,} without an archive"
        f" audit row, {twice:,} with more than one: " + ("ok" if ok else "FAILED"),
    ], ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", required=True, type=Path)
    parser.add_argument("--faults", required=True, type=Path)
    parser.add_argument("--job", required=True, type=int)
    args = parser.parse_args()
    requests = [json.loads(line) for line in args.requests.read_text().splitlines()]
    faults = read_faults(args.faults)
    began, ended = min(r["t"] for r in requests), max(r["t"] for r in requests)

    print("\n".join(stats_table(requests, ended - began)))
    print(f"throughput: {len(requests) / (ended - began):.1f} requests/s over {ended - began:.0f} s")
    if faults:
        print("faults:")
        print("\n".join(fault_lines(requests, faults, began)))
    lines, job_ok = job_lines(args.job, ended)
    print("\n".join(lines))
    failed = [r for r in requests if r["error"]]
    unexplained = [r for r in failed if not expected(r, faults)]
    print(
        f"failed requests: {len(failed)}, of which cut off by the killed web worker: "
        f"{len(failed) - len(unexplained)}, unexplained: {len(unexplained)}"
    )
    for (name, error), n in Counter((r["name"], r["error"]) for r in unexplained).most_common():
        print(f"  {n}× {name}: {error}")
    if unexplained or not job_ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
