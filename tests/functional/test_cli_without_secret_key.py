"""The documented commands work in a checkout without SECRET_KEY: commands that sign nothing
need no key, while serving the app still refuses to start without one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Its own SQLite file whatever TEST_DATABASE_URL says: CI runs it once, in the SQLite pass.
pytestmark = pytest.mark.sqlite_file

ROOT = Path(__file__).resolve().parents[2]
FLASK = [sys.executable, "-m", "flask", "--app", "app"]


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    if (ROOT / "instance" / "secret_key").exists():
        pytest.skip("this checkout has a development key in instance/ (make run made it)")
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ORDERDESK_ENV", "FLASK_DEBUG")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    return env


def _flask(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FLASK, *args], cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_migrating_and_managing_users_need_no_secret_key(environment):
    assert _flask(environment, "db", "upgrade").returncode == 0
    created = _flask(
        environment,
        "create-user",
        "ops@example.com",
        "--role",
        "admin",
        "--password-stdin",
        stdin="long-enough-pw\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created admin ops@example.com" in created.stdout
    reset = _flask(
        environment, "set-password", "ops@example.com", "--password-stdin", stdin="another-long-pw\n"
    )
    assert reset.returncode == 0, reset.stderr


def test_serving_without_a_secret_key_refuses_to_start(environment):
    code = "from app import create_app; create_app()"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
