"""Browser-test fixtures: a live OrderDesk server on 127.0.0.1 and Debian's Chromium.

The Playwright browser download does not work here and is never used (DESIGN §1): the
browser is always /usr/bin/chromium, headless.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from werkzeug.serving import WSGIRequestHandler, make_server

from models import db
from tests import factories
from tests.conftest import build_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SCREENSHOT_DIR = Path("/tmp/od-screens")
BROWSER_DIR = Path(__file__).parent

# Statuses of the seeded orders, in creation order (SO-000001 … SO-000006).
SEEDED_STATUSES = ("open", "cancelled", "open", "closed", "cancelled", "open")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder (and only this folder) as a browser test."""
    for item in items:
        if BROWSER_DIR in Path(item.path).parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    orders: dict[str, str]  # order number -> internal status
    customer_name: str

    def numbers_with_status(self, status: str) -> list[str]:
        return sorted(number for number, s in self.orders.items() if s == status)


class _QuietHandler(WSGIRequestHandler):
    """Keep the server's access log out of the test output."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        pass


def _seed() -> tuple[dict[str, str], str]:
    users = factories.make_users(db.session)
    catalog = factories.make_catalog(db.session)
    db.session.commit()
    orders = [
        factories.make_order(db.session, catalog, actor=users["sales"], po_number=f"PO-{2000 + i}")
        for i in range(len(SEEDED_STATUSES))
    ]
    db.session.commit()
    for order, status in zip(orders, SEEDED_STATUSES, strict=True):
        if status != "open":
            order.internal_status = status
    db.session.commit()
    return ({order.identifier: order.internal_status for order in orders},
            catalog["customer"].name)


@pytest.fixture
def live_server(clean_db: Engine, database_url: str) -> Iterator[LiveServer]:
    """OrderDesk with real CSRF, seeded with users, a catalog and six orders, served in a thread."""
    app = build_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        orders, customer_name = _seed()
        db.session.remove()

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", orders=orders,
                         customer_name=customer_name)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"Browser tests need Debian's Chromium at {CHROMIUM} "
                    "(apt-get install chromium); the Playwright download is not used.",
                    pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR
