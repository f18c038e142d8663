"""Print line and branch coverage per package from the suite's coverage data, and fail when
actions/ or admin/ falls under 90 % of lines (run after `make test` with coverage on)."""

from __future__ import annotations

import json
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import coverage

MINIMUM_LINES = {"actions": 90.0, "admin": 90.0}


def main() -> int:
    data = coverage.Coverage()
    data.load()
    data.combine()
    data.save()
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "coverage.json"
        data.json_report(outfile=str(report))
        files = json.loads(report.read_text())["files"]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for path, measured in files.items():
        summary = measured["summary"]
        package = Path(path).parts[0]
        for index, key in enumerate(("covered_lines", "num_statements", "covered_branches", "num_branches")):
            totals[package][index] += summary[key]
    print(f"{'package':<10} {'lines':>16} {'branches':>16}")
    failed = []
    for package, (lines, statements, branches, all_branches) in sorted(totals.items()):
        line_rate = 100.0 * lines / statements if statements else 100.0
        branch_rate = 100.0 * branches / all_branches if all_branches else 100.0
        print(
            f"{package:<10} {line_rate:6.1f} % {lines:>5}/{statements:<5}"
            f" {branch_rate:6.1f} % {branches:>5}/{all_branches:<5}"
        )
        if line_rate < MINIMUM_LINES.get(package, 0.0):
            minimum = MINIMUM_LINES[package]
            failed.append(f"{package}/ covers {line_rate:.1f} % of lines (minimum {minimum} %)")
    for message in failed:
        print("coverage too low:", message, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
