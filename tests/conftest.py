"""Fixtures shared by every test layer.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set. The
schema is created once per process; each test starts from empty tables. Under pytest-xdist
(`make test` runs `-n auto`) every worker has a database and an upload folder of its own.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from actions.audit import install_audit_listeners
from actions.text_limits import install_length_checks
from models import Base, Order, db
from models.dialect import configure_engine, normalize_database_url
from models.storage import Storage, open_storage
from tests import factories
from tests.redis_server import redis_server


class _SharedTemplateCache(BytecodeCache):
    """Compiled templates kept in memory for the whole run.

    Every test builds its own app, and each app's Jinja environment would otherwise compile
    every template again: that was about a third of the suite's time.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._compiled[bucket.key] = bucket.bytecode_to_string()


Flask.jinja_options = {**Flask.jinja_options, "bytecode_cache": _SharedTemplateCache()}


class _SharedBuilderRule(Rule):
    """A URL rule whose URL-building functions are compiled once for the whole run.

    Werkzeug compiles two such functions for every rule that joins an app, from a syntax tree
    built for it: about 60 % of building an app (some 240 rules), which nearly every test
    does. A function depends only on the rule's text, its converters and its defaults, and
    takes the rule as an argument, so every app's copy of a rule can share it.
    """

    _compiled: ClassVar[dict[tuple[Any, ...], Callable[..., tuple[str, str]]]] = {}

    def _compile_builder(self, append_unknown: bool = True) -> Callable[..., tuple[str, str]]:
        # The trace is the parsed subdomain and path; the text names the compiled function.
        key = (
            self.rule,
            tuple(self._trace),
            tuple((name, type(converter)) for name, converter in self._converters.items()),
            repr(sorted((self.defaults or {}).items())),
            append_unknown,
        )
        if key not in self._compiled:
            self._compiled[key] = super()._compile_builder(append_unknown)
        return self._compiled[key]


Flask.url_rule_class = _SharedBuilderRule


# The xdist worker this process is ("gw0", "gw1", …), or "" when the run is not distributed.
# Subprocesses that the tests start (the browser tests' server) inherit it.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
UPLOAD_DIR = str(Path(tempfile.gettempdir()) / ("od-uploads-" + WORKER if WORKER else "od-uploads"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """SQLite in this worker's temporary folder, or TEST_DATABASE_URL's server: its database
    itself when the run is not distributed, else `<database>_<worker>`, made for the run."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
        return
    url = normalize_database_url(url)
    if not WORKER:
        yield url
        return
    base = make_url(url)
    name = f"{base.database}_{WORKER}"
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield base.set(database=name).render_as_string(hide_password=False)
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Leave the tests marked `postgresql` out of a run on SQLite (CI's PostgreSQL pass runs
    them), mark `no_database` the tests that reach no database (CI's PostgreSQL pass leaves
    them out: they would only repeat the SQLite pass), and send every test that uses Redis to
    one xdist worker (`--dist loadgroup`): a developer's REDIS_URL is one database, which those
    tests empty at will."""
    for item in items:
        reaches_database = "database_url" in getattr(item, "fixturenames", ())
        if not reaches_database and not item.get_closest_marker("postgresql"):
            item.add_marker(pytest.mark.no_database)
    if not os.environ.get("TEST_DATABASE_URL"):
        left_out = [item for item in items if item.get_closest_marker("postgresql")]
        if left_out:
            config.hook.pytest_deselected(items=left_out)
            items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
    if not config.pluginmanager.hasplugin("xdist"):
        return
    for item in items:
        if "redis_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("redis"))


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis database for the tests that need one: REDIS_URL's (emptied first), or that of a
    redis-server started for the run. Without redis-server installed, those tests fail."""
    with redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_engine(database_url)
    configure_engine(eng)
    Base.metadata.drop_all(eng)
    Base.metadata.create_all(eng)
    if eng.dialect.name == "postgresql":
        # No automatic ANALYZE: the plans the tests assert are then judged on a new table's
        # statistics every time, not on whatever few rows autovacuum happened to sample.
        with eng.begin() as conn:
            for table in Base.metadata.sorted_tables:
                conn.execute(text(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = false)'))
    yield eng
    Base.metadata.drop_all(eng)
    eng.dispose()


def empty_tables(engine: Engine) -> None:
    """Delete every row and restart the ids (PostgreSQL's sequences, SQLite's AUTOINCREMENT
    counters), as in a new database.

    DELETE rather than TRUNCATE: on PostgreSQL, TRUNCATE gives each table new files, which
    took several times longer than deleting the few rows a test leaves.
    """
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        if engine.dialect.name == "sqlite":
            conn.execute(text("DELETE FROM sqlite_sequence"))  # the AUTOINCREMENT tables' last ids
        if engine.dialect.name == "postgresql":
            sequences = conn.scalars(
                text(
                    "SELECT oid::regclass::text FROM pg_class"
                    " WHERE relkind = 'S' AND relnamespace = current_schema()::regnamespace"
                )
            ).all()
            if sequences:
                restarts = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
                conn.execute(text(f"SELECT {restarts}"))


@pytest.fixture
def clean_db(engine: Engine) -> Engine:
    """The test database, emptied before the test; what the test leaves, the next one empties."""
    empty_tables(engine)
    return engine


@pytest.fixture
def session(clean_db: Engine) -> Iterator[Session]:
    """A plain SQLAlchemy session (no Flask) with the audit listeners, for unit tests."""
    install_length_checks(Session)
    install_audit_listeners(Session)
    with Session(clean_db) as s:
        yield s
        s.rollback()


# Apps built during the current test: their connection pools are closed after it, so that no
# connection is left to the garbage collector (psycopg warns about that, and warnings fail).
_built_apps: list[Flask] = []


@pytest.fixture(autouse=True)
def _dispose_built_apps() -> Iterator[None]:
    yield
    while _built_apps:
        with _built_apps.pop().app_context():
            db.engine.dispose()


def build_app(database_url: str, **overrides: Any) -> Flask:
    from app import create_app

    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        # Counts stay in this process unless a test asks for Redis (a developer's REDIS_URL
        # would otherwise carry counts from one test, or run, to the next).
        "RATELIMIT_STORAGE_URI": "memory://",
        "ORDERDESK_UPLOAD_DIR": UPLOAD_DIR,
        # Jobs run in the request that queues them, unless a test starts a real worker.
        "ORDERDESK_JOBS_IMMEDIATE": True,
        "REDIS_URL": None,
    }
    config.update(overrides)
    app = create_app(config)
    app.before_request(_read_afresh)
    _built_apps.append(app)
    return app


def _read_afresh() -> None:
    """A test's requests run in the test's app context, so they share its session; a request
    in production starts with a session of its own. Each request here forgets what the
    session read before (a job run inline, or by a worker, changed those rows behind it)."""
    db.session.expire_all()


@pytest.fixture
def app(clean_db: Engine, database_url: str) -> Iterator[Flask]:
    application = build_app(database_url)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def users(app: Flask) -> dict[str, Any]:
    made = factories.make_users(db.session)
    db.session.commit()
    return made


@pytest.fixture
def catalog(app: Flask) -> dict[str, Any]:
    made = factories.make_catalog(db.session)
    db.session.commit()
    return made


@pytest.fixture
def cancelled_order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    """An order the manager created and cancelled, committed."""
    made = factories.order_in_status(db.session, catalog, "cancelled", actor=users["manager"])
    db.session.commit()
    return made


@pytest.fixture
def closed_order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    """An order the manager created and closed, committed."""
    made = factories.order_in_status(db.session, catalog, "closed", actor=users["manager"])
    db.session.commit()
    return made


def login(client: FlaskClient, email: str, password: str = factories.PASSWORD) -> Any:
    """Log a test client in through the real login form."""
    return client.post("/login", data={"email": email, "password": password})


def flashed_messages(client: FlaskClient) -> list[str]:
    """The texts flashed to the client and not shown yet; reading them clears them."""
    with client.session_transaction() as flask_session:
        return [text for _category, text in flask_session.pop("_flashes", [])]


@dataclass(frozen=True)
class JobReport:
    """What the job page of a finished job says: its state, one-line summary and the reason
    of each skipped order (from the skipped-orders CSV)."""

    state: str
    summary: str
    reasons: list[str]
    progress: dict[str, Any]


def job_report(client: FlaskClient, response: Any) -> JobReport:
    """Follow a request that started a job (run inline in tests) to the job's report; the
    "started" message is read and dropped."""
    assert response.status_code == 302, response.status_code
    match = re.search(r"/admin/jobs/(\d+)/(\?|$)", response.location)
    assert match, f"not a job page: {response.location}"
    flashed_messages(client)
    progress = client.get(f"/admin/jobs/{match[1]}/progress.json").get_json()
    skipped = client.get(f"/admin/jobs/{match[1]}/skipped.csv").get_data(as_text=True)
    reasons = [reason for _order, reason in list(csv.reader(io.StringIO(skipped)))[1:]]
    return JobReport(progress["state"], progress["summary"], reasons, progress)


@pytest.fixture
def login_as(client: FlaskClient, users: dict[str, Any]) -> Any:
    """login_as('viewer') logs the client in as that role's user and returns the client."""

    def _login(role: str) -> FlaskClient:
        response = login(client, users[role].email)
        assert response.status_code == 302, "login failed in a fixture"
        return client

    return _login


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    """A local storage in the test's own folder (tmp_path), where the test may look at its files."""
    return open_storage(str(tmp_path))
