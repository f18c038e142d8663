"""House rules of the admin layer (DESIGN §4) that a reader could otherwise break unnoticed:
one place commits, templates carry no rules, no inline event handlers, no hand-written CSRF
token inputs."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADMIN = ROOT / "admin"
TEMPLATES = ROOT / "templates"


def _transaction_boundaries(path: Path) -> list[str]:
    """Each call that commits, rolls back or opens a transaction that commits when it ends."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in ("commit", "rollback", "begin"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_only_the_action_runners_of_admin_base_commit_or_roll_back_in_admin():
    # admin/base.py runs one action per request (panel and API alike), and each transaction
    # of a job worker (its claim, a chunk, a failure, a read between two looks)
    found = [hit for path in sorted(ADMIN.rglob("*.py")) for hit in _transaction_boundaries(path)]
    assert found and all(hit.startswith("admin/base.py:") for hit in found), found


def test_no_template_has_inline_event_handlers():
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    offenders = [str(p.relative_to(ROOT)) for p in TEMPLATES.rglob("*.html") if handler.search(p.read_text())]
    assert offenders == []


def test_every_csrf_token_input_comes_from_the_macro():
    hand_written = re.compile(r'name="csrf_token"')
    offenders = [
        str(p.relative_to(ROOT))
        for p in TEMPLATES.rglob("*.html")
        if p.name != "macros.html" and hand_written.search(p.read_text())
    ]
    assert offenders == []


def test_order_templates_decide_nothing_about_statuses_or_permissions():
    rule = re.compile(r"internal_status\s*(==|!=|in\b)|user_can\(")
    offenders = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for p in (TEMPLATES / "orders").rglob("*.html")
        for m in rule.finditer(p.read_text())
    ]
    assert offenders == []


def test_the_order_view_parts_need_no_type_ignores():
    offenders = [
        str(p.relative_to(ROOT)) for p in (ADMIN / "orders").rglob("*.py") if "type: ignore" in p.read_text()
    ]
    assert offenders == []
