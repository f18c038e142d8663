"""actions/ is the domain layer: it must not import the web framework (DESIGN §2)."""

from __future__ import annotations

import ast
from pathlib import Path

ACTIONS = Path(__file__).resolve().parents[2] / "actions"
FORBIDDEN = frozenset({"flask", "flask_admin", "flask_login", "flask_wtf", "wtforms"})


def forbidden_imports(source: str, filename: str = "<source>") -> list[str]:
    """Return 'line: module' for every import of a web-framework package in the source."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found += [f"{node.lineno}: {m}" for m in modules if m.split(".")[0] in FORBIDDEN]
    return found


def test_the_checker_catches_every_spelling_of_a_framework_import():
    # Given sources importing Flask in the ways people write it
    source = (
        "import os\nimport flask\nfrom flask_admin.contrib import sqla\n"
        "import wtforms.validators as v\ndef f():\n    from flask_login import current_user\n"
        "from flask_sqlalchemy_helpers import x\nfrom . import flask\n"
    )
    # When checked; then the four framework imports are found (nested ones too), nothing else
    assert forbidden_imports(source) == [
        "2: flask",
        "3: flask_admin.contrib",
        "4: wtforms.validators",
        "6: flask_login",
    ]


def test_no_module_in_actions_imports_flask_or_its_extensions():
    # Given every Python file under actions/
    files = sorted(ACTIONS.rglob("*.py"))
    assert len(files) >= 5, "actions/ was not found"

    # When each is parsed
    offenders = {
        str(path.relative_to(ACTIONS.parent)): found
        for path in files
        if (found := forbidden_imports(path.read_text(encoding="utf-8"), str(path)))
    }

    # Then none imports the web layer
    assert offenders == {}
