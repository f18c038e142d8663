"""One word for one thing in every screen and message: "cancelled" (as InternalStatus spells it)
and "Special Discount"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("actions", "admin", "models", "seed", "static", "templates")


def _source_files() -> list[Path]:
    return [
        path
        for folder in SOURCES
        for path in sorted((ROOT / folder).rglob("*"))
        if path.is_file() and path.suffix in (".py", ".html", ".js", ".css", ".txt", ".json")
    ]


@pytest.mark.parametrize(
    ("pattern", "instead"),
    [
        (r"\bcancel(ed|ing)\b", "cancelled / cancelling"),
        (r"\bOrder Discount", "Special Discount"),
        (r"\(Discount\)", "(Special Discount)"),
    ],
)
def test_no_screen_or_message_uses_the_other_spelling(pattern, instead):
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _source_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(pattern, line, re.IGNORECASE if "cancel" in pattern else 0)
    ]
    assert offenders == [], f"write {instead}"


def test_the_status_is_spelled_cancelled():
    from models import InternalStatus

    assert InternalStatus.CANCELLED == "cancelled"
