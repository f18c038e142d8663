"""`make run` serves through gunicorn, as production does: a real HTTP client sees no server
version banner, and the app's own headers come through."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# Its own SQLite file whatever TEST_DATABASE_URL says: CI runs it once, in the SQLite pass.
pytestmark = pytest.mark.sqlite_file

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _procfile_gunicorn_arguments() -> list[str]:
    """The gunicorn options `make run` uses, read from the Procfile's web line (port filled
    in later)."""
    text = (ROOT / "Procfile").read_text()
    line = next(line for line in text.splitlines() if line.startswith("web:"))
    return line.split(".venv/bin/gunicorn", 1)[1].split()


def test_pages_served_as_make_run_serves_them_carry_no_server_version(tmp_path: Path):
    port = _free_port()
    arguments = [
        argument.replace("$PORT", str(port)).strip("'") for argument in _procfile_gunicorn_arguments()
    ]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "SECRET_KEY": "served-test-key",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                    headers = response.headers
                    body = response.read().decode()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "Log in" in body
    assert headers["Server"] == "gunicorn"  # no version, no Werkzeug/Python banner
    assert headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
