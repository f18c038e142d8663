"""Dependencies point one way, models ← actions ← admin (DESIGN §2): each layer's imports are parsed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WEB = frozenset({"flask", "flask_admin", "flask_login", "flask_wtf", "wtforms", "flask_sqlalchemy"})
# What each package must not import. actions/ and seed/ run on a plain Session, without the web
# app; models/ reaches Flask through Flask-SQLAlchemy only, and knows nothing of the layers above.
LAYER_RULES = {
    "actions": WEB | {"admin", "seed"},
    "seed": WEB | {"admin"},
    "models": (WEB - {"flask_sqlalchemy"}) | {"actions", "admin", "seed"},
}


def forbidden_imports(source: str, forbidden: frozenset[str], filename: str = "<source>") -> list[str]:
    """Return 'line: module' for every absolute import of a forbidden top-level package."""
    found = []
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        else:
            continue
        found += [f"{node.lineno}: {m}" for m in modules if m.split(".")[0] in forbidden]
    return found


def test_the_checker_catches_every_spelling_of_a_framework_import():
    # Given sources importing Flask in the ways people write it
    source = (
        "import os\nimport flask\nfrom flask_admin.contrib import sqla\n"
        "import wtforms.validators as v\ndef f():\n    from flask_login import current_user\n"
        "from flask_sqlalchemy_helpers import x\nfrom . import flask\n"
    )
    # When checked; then the four framework imports are found (nested ones too), nothing else
    assert forbidden_imports(source, WEB) == [
        "2: flask",
        "3: flask_admin.contrib",
        "4: wtforms.validators",
        "6: flask_login",
    ]


def test_the_checker_catches_imports_of_a_layer_above():
    # Given a model module importing from actions/ and admin/, and from its own package
    source = "from models.base import Model\nfrom actions.errors import DomainError\nimport admin.orders\n"

    # When checked against the models' rule; then only the upward imports are found
    assert forbidden_imports(source, LAYER_RULES["models"]) == ["2: actions.errors", "3: admin.orders"]


@pytest.mark.parametrize("package", sorted(LAYER_RULES))
def test_no_module_of_a_layer_imports_what_the_layer_must_not(package):
    # Given every Python file of the package
    files = sorted((ROOT / package).rglob("*.py"))
    assert len(files) >= 5, f"{package}/ was not found"

    # When each is parsed
    offenders = {
        str(path.relative_to(ROOT)): found
        for path in files
        if (found := forbidden_imports(path.read_text(encoding="utf-8"), LAYER_RULES[package], str(path)))
    }

    # Then none imports the web framework or a layer above its own
    assert offenders == {}
