"""Every `flask --app app …` command the README shows runs as written (placeholders filled
in), from the checkout with the virtualenv's bin first on PATH, as after `make run` — with or
without the development key `make run` makes (commands that sign nothing need none)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.s3_server import s3_client, s3_server

# Its own SQLite file whatever TEST_DATABASE_URL says: CI runs it once, in the SQLite pass.
pytestmark = pytest.mark.sqlite_file

ROOT = Path(__file__).resolve().parents[2]
EMAIL = "ops@example.com"
# The README's placeholders, and one change: a smaller demo than the 100,000 orders it shows.
FILL_INS = {
    "EMAIL": EMAIL,
    "ROLE": "admin",
    "[--password-stdin]": "--password-stdin",
    "100000": "150",
    "NAME": "nightly-sync",
    "[--expires-days N]": "--expires-days 30",
}
# Commands run in an order that makes sense (create the user before changing it).
ORDER = [
    "db",
    "create-user",
    "create-token",
    "set-password",
    "reset-2fa",
    "seed-demo",
    "rebuild-dashboard",
    "move-attachments",
    "cancel-overdue",
    "worker",
    "deactivate-user",
]
# What a job worker logs once it is consuming the queue (it runs until stopped).
WORKER_STARTED = "Huey consumer started"


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    found = re.findall(r"`(flask --app app [^`]+)`", text) + re.findall(r"^(flask --app app .+)$", text, re.M)
    commands = list(dict.fromkeys(found))
    return sorted(commands, key=lambda command: ORDER.index(command.split()[3]))


def _worker_starts(args: list[str], env: dict[str, str]) -> bool:
    """Start the worker command, wait until it consumes the queue, stop it."""
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:  # ends when the process does
            assert "Traceback" not in line, line
            if WORKER_STARTED in line:
                return True
        return False
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()


def _filled(command: str) -> list[str]:
    for placeholder, value in FILL_INS.items():
        command = command.replace(placeholder, value)
    return shlex.split(command)


def test_the_readme_documents_every_command_once_in_an_order_we_know():
    names = [command.split()[3] for command in readme_commands()]
    assert sorted(names) == sorted(ORDER)


def test_every_documented_command_runs_as_written(tmp_path: Path):
    # move-attachments copies the demo's files to the README's bucket, in an S3 stand-in
    with s3_server() as endpoint:
        s3_client(endpoint).create_bucket(Bucket="bucket")
        _run_readme_commands(tmp_path, endpoint)


def _run_readme_commands(tmp_path: Path, s3_endpoint: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "ORDERDESK_ENV", "FLASK_DEBUG")}
    env["ORDERDESK_S3_ENDPOINT_URL"] = s3_endpoint
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'readme.db'}"
    env["ORDERDESK_UPLOAD_DIR"] = str(tmp_path / "uploads")
    outputs = {}
    env["ORDERDESK_QUEUE_FILE"] = str(tmp_path / "queue.db")
    for command in readme_commands():
        args = _filled(command)
        if args[3] == "worker":
            assert _worker_starts(args, env), f"{command} did not start consuming"
            continue
        result = subprocess.run(
            args,
            cwd=ROOT,
            env=env,
            # A password prompt reads standard input: no terminal (a new session has none).
            input="long-enough-pw\nlong-enough-pw\n",
            start_new_session=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        outputs[args[3]] = result
        assert "Traceback" not in result.stderr, f"{command}: {result.stderr}"
        if args[3] == "reset-2fa":  # the new user has not turned it on: a clear refusal
            assert (
                result.returncode == 1
                and "has no two-factor sign-in to reset" in result.stderr + result.stdout
            )
        else:
            assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    assert f"Created admin {EMAIL}" in outputs["create-user"].stdout
    assert f"New password set for {EMAIL}" in outputs["set-password"].stdout
    assert re.fullmatch(r"odk_[\w-]{40,}\n", outputs["create-token"].stdout)
    assert "will not be shown again" in outputs["create-token"].stderr
    assert f"Deactivated {EMAIL}" in outputs["deactivate-user"].stdout
    assert "Now set ORDERDESK_STORAGE=s3://bucket/orderdesk" in outputs["move-attachments"].stdout
