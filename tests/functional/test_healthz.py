"""`/healthz`, for a load balancer: 200 `ok` only when the database, the job queue and the
file storage answer; otherwise 503 naming the parts that did not, and nothing more. No login,
no session cookie, never cached."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine

from tests.conftest import build_app
from tests.functional.job_worker import SharedQueue, queue_params, shared_queue

# Nothing listens on port 9 here: connections are refused at once.
REDIS_DOWN = "redis://127.0.0.1:9/0"


@pytest.fixture(params=queue_params())
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SharedQueue]:
    with shared_queue(request.param, tmp_path, lambda: request.getfixturevalue("redis_url")) as made:
        yield made


def _app(database_url: str, tmp_path: Path, **overrides: object) -> Flask:
    """An app with a real queue (a SQLite file unless overridden) and an upload folder."""
    (tmp_path / "uploads").mkdir(exist_ok=True)
    config = {
        "ORDERDESK_JOBS_IMMEDIATE": False,
        "ORDERDESK_QUEUE_FILE": str(tmp_path / "queue.db"),
        "ORDERDESK_UPLOAD_DIR": str(tmp_path / "uploads"),
        **overrides,
    }
    return build_app(database_url, **config)


def test_healthz_answers_ok_without_a_login_or_a_cookie_when_everything_answers(
    clean_db: Engine, database_url: str, queue: SharedQueue, tmp_path: Path
):
    client = _app(database_url, tmp_path, **queue.config).test_client()
    for method in (client.get, client.head):
        response = method("/healthz")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers
    assert client.get("/healthz").get_data(as_text=True) == "ok"
    assert list(Path(tmp_path / "uploads").iterdir()) == []  # its probe file is gone


def test_an_unreachable_database_makes_healthz_answer_503_database(clean_db: Engine, tmp_path: Path):
    missing = tmp_path / "no-such-folder" / "orderdesk.db"
    client = _app(f"sqlite:///{missing}", tmp_path).test_client()
    response = client.get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (503, "database")
    assert response.headers["Cache-Control"] == "no-store"


def test_a_configured_redis_that_is_down_makes_healthz_answer_503_queue(
    clean_db: Engine, database_url: str, tmp_path: Path
):
    client = _app(database_url, tmp_path, REDIS_URL=REDIS_DOWN).test_client()
    response = client.get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (503, "queue")


def test_an_upload_folder_that_cannot_take_a_file_makes_healthz_answer_503_storage(
    clean_db: Engine, database_url: str, tmp_path: Path
):
    # A file where the folder should be (a missing folder is made, as on a fresh install)
    (tmp_path / "a-file").write_text("not a folder")
    client = _app(database_url, tmp_path, ORDERDESK_UPLOAD_DIR=str(tmp_path / "a-file")).test_client()
    response = client.get("/healthz")
    assert (response.status_code, response.get_data(as_text=True)) == (503, "storage")


def test_when_everything_is_down_healthz_names_the_parts_and_nothing_else(
    clean_db: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    # Given an app whose database, Redis and upload folder are all out of reach
    missing = tmp_path / "no-such-folder"
    (tmp_path / "a-file").write_text("not a folder")
    client = _app(
        f"sqlite:///{missing / 'orderdesk.db'}",
        tmp_path,
        REDIS_URL=REDIS_DOWN,
        ORDERDESK_UPLOAD_DIR=str(tmp_path / "a-file"),
    ).test_client()

    # When the load balancer asks, with its request id
    response = client.get("/healthz", headers={"X-Request-ID": "lb-check-1"})

    # Then the answer names the three parts, with no error text, path or host
    assert response.status_code == 503
    assert response.get_data(as_text=True) == "database\nqueue\nstorage"
    # And the log says why, each line under the request's id
    warnings = [record for record in caplog.records if "Health check" in record.getMessage()]
    assert [record.request_id for record in warnings] == ["lb-check-1"] * 3
    assert "unable to open database file" in warnings[0].getMessage()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that takes connections and never answers, as a server behind a firewall that
    drops packets, or a hung one: without time limits a client waits for ever."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_database_and_redis_that_never_answer_make_healthz_answer_503_within_the_timeout(
    clean_db: Engine, tmp_path: Path, silent_port: int
):
    # Given PostgreSQL and Redis addresses that take connections but never answer
    client = _app(
        f"postgresql+psycopg://orderdesk@127.0.0.1:{silent_port}/orderdesk",
        tmp_path,
        REDIS_URL=f"redis://127.0.0.1:{silent_port}/0",
        ORDERDESK_CONNECT_TIMEOUT=1,
    ).test_client()
    answers: list[tuple[int, str]] = []

    # When the load balancer asks (in a thread, so a hang fails the test instead of stalling it)
    started = time.monotonic()
    asking = threading.Thread(
        target=lambda: answers.append(((r := client.get("/healthz")).status_code, r.get_data(as_text=True))),
        daemon=True,
    )
    asking.start()
    asking.join(timeout=30)

    # Then it answers 503 naming both, after the database's 2 s and Redis's 2 s at most
    assert answers == [(503, "database\nqueue")]
    assert time.monotonic() - started < 15
