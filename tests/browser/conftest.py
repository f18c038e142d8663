"""Browser-test fixtures: a live OrderDesk server on 127.0.0.1 and Debian's Chromium.

The Playwright browser download does not work here and is never used (DESIGN §1): the
browser is always /usr/bin/chromium, headless.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import Engine, select

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
ROOT = BROWSER_DIR.parents[1]
T = TypeVar("T")

# Statuses of the seeded orders, in creation order (SO-000001 … SO-000006).
# A transition that has finished is no longer among the document's animations.
NO_TRANSITION_RUNNING = "() => !document.getAnimations().some(a => a instanceof CSSTransition)"
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


def _seed() -> tuple[dict[str, str], str]:
    users = factories.make_users(db.session)
    catalog = factories.make_catalog(db.session)
    db.session.commit()
    orders = [
        factories.make_order(db.session, catalog, actor=users["sales"], po_number=f"PO-{2000 + i}")
        for i in range(len(SEEDED_STATUSES))
    ]
    for order, status in zip(orders, SEEDED_STATUSES, strict=True):
        factories.reach_status(db.session, order, status, actor=users["manager"])
    db.session.commit()
    return ({order.identifier: order.internal_status for order in orders}, catalog["customer"].name)


@contextmanager
def serve(database_url: str, **overrides: Any) -> Iterator[str]:
    """Serve the test app (real CSRF, `overrides` on top) from its own process; yield its URL."""
    env = {**os.environ, "ORDERDESK_TEST_OVERRIDES": json.dumps(overrides)}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.browser.server", database_url],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        if not port.isdigit():
            pytest.fail(f"the test server did not start (exit code {process.poll()})", pytrace=False)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@contextmanager
def _serving(database_url: str, seed: Callable[[], T]) -> Iterator[tuple[str, T]]:
    """Run `seed` in the test app's context, then serve the app from its own process."""
    app = build_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        seeded = seed()
        db.session.remove()
        db.engine.dispose()
    with serve(database_url) as url:
        yield url, seeded


@pytest.fixture
def live_server(clean_db: Engine, database_url: str) -> Iterator[LiveServer]:
    """OrderDesk with real CSRF, seeded with users, a catalog and six orders, served in a thread."""
    with _serving(database_url, _seed) as (url, (orders, customer_name)):
        yield LiveServer(url=url, orders=orders, customer_name=customer_name)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM} "
            "(apt-get install chromium); the Playwright download is not used.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
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


# ---- richer data and helpers for the order create / edit / delete flows -------------------


@dataclass
class OrderServer(LiveServer):
    """The live_server data plus a second "Acme …" customer, a user address and, on request,
    a shopping list and an RFQ of Acme Industrial."""

    other_customer_name: str = ""
    other_buyer_label: str = ""
    buyer_label: str = ""
    default_address: str = ""
    user_address: str = ""
    shopping_list_id: int | None = None
    shopping_list_label: str = ""
    rfq_id: int | None = None


def _seed_for_orders(*, documents: bool) -> OrderServer:
    from models import Customer, CustomerAddress, CustomerUser, CustomerUserAddress

    orders, customer_name = _seed()
    acme = db.session.scalars(select(Customer).filter_by(name=customer_name)).one()
    buyer = acme.users[0]
    dock = CustomerUserAddress(
        customer_user=buyer,
        first_name="Bea",
        last_name="Buyer",
        street="9 Dock Rd",
        city="Portsmouth",
        postal_code="03801",
        region="NH",
        country="US",
        is_billing=False,
        is_shipping=True,
    )
    logistics = Customer(name="Acme Logistics")
    lou = CustomerUser(
        customer=logistics, email="lou@logistics.example", first_name="Lou", last_name="Hauler"
    )
    depot = CustomerAddress(
        customer=logistics,
        organization="Acme Logistics Depot",
        street="5 Depot Way",
        city="Gary",
        postal_code="46401",
        region="IN",
        country="US",
        is_default_billing=True,
        is_default_shipping=True,
    )
    db.session.add_all([dock, logistics, lou, depot])
    db.session.commit()
    server = OrderServer(
        url="",
        orders=orders,
        customer_name=customer_name,
        other_customer_name=logistics.name,
        other_buyer_label=f"{lou.full_name} <{lou.email}>",
        buyer_label=f"{buyer.full_name} <{buyer.email}>",
        default_address=acme.addresses[0].one_line(),
        user_address=dock.one_line(),
    )
    if documents:
        _seed_documents(server, acme, buyer)
    return server


def _seed_documents(server: OrderServer, acme: Any, buyer: Any) -> None:
    """A shopping list (3 widgets, 2 gadgets) and an RFQ (4 widgets at a $9.50 target)."""
    from datetime import date
    from decimal import Decimal

    from models import Product
    from models.sales_documents import (
        RequestForQuote,
        RequestProduct,
        RequestProductItem,
        ShoppingList,
        ShoppingListLine,
    )

    widget = db.session.scalars(select(Product).filter_by(sku="WID-1")).one()
    gadget = db.session.scalars(select(Product).filter_by(sku="GAD-2")).one()
    shopping_list = ShoppingList(
        label="Spring restock",
        customer=acme,
        customer_user=buyer,
        currency="USD",
        notes="Deliver to the back door",
        lines=[
            ShoppingListLine(product=widget, quantity=Decimal("3"), unit="item"),
            ShoppingListLine(product=gadget, quantity=Decimal("2"), unit="item", notes="Blue ones"),
        ],
    )
    rfq = RequestForQuote(
        customer=acme,
        customer_user=buyer,
        first_name="Bea",
        last_name="Buyer",
        email="buyer@acme.example",
        company="Acme Industrial",
        po_number="RFQ-PO-77",
        ship_until=date(2031, 3, 15),
        note="Need these before the audit",
        status="open",
        requested_products=[
            RequestProduct(
                product=widget,
                comment="Bulk pack",
                items=[
                    RequestProductItem(
                        quantity=Decimal("4"), unit="item", target_price=Decimal("9.50"), currency="USD"
                    )
                ],
            )
        ],
    )
    db.session.add_all([shopping_list, rfq])
    db.session.commit()
    server.shopping_list_id, server.shopping_list_label = shopping_list.id, shopping_list.label
    server.rfq_id = rfq.id


@pytest.fixture
def order_server(clean_db: Engine, database_url: str) -> Iterator[OrderServer]:
    """live_server's users, catalog and six orders, plus a second customer and a user address."""
    with _serving(database_url, lambda: _seed_for_orders(documents=False)) as (url, server):
        server.url = url
        yield server


@pytest.fixture
def documents_server(clean_db: Engine, database_url: str) -> Iterator[OrderServer]:
    """order_server's data plus a shopping list and an RFQ of Acme Industrial."""
    with _serving(database_url, lambda: _seed_for_orders(documents=True)) as (url, server):
        server.url = url
        yield server


@pytest.fixture
def second_page(browser: Any) -> Iterator[Any]:
    """A tab in a second browser context: another person's session, with its own cookies."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def sign_in() -> Callable[[Any, str, str], None]:
    """sign_in(page, base_url, role) logs in through the login form as that role's user."""

    def _sign_in(tab: Any, base_url: str, role: str) -> None:
        from playwright.sync_api import expect

        tab.goto(f"{base_url}/login")
        tab.get_by_label("Email").fill(f"{role}@example.com")
        tab.get_by_label("Password").fill(factories.PASSWORD)
        tab.get_by_role("button", name="Log in").click()
        expect(tab).to_have_url(f"{base_url}/admin/")

    return _sign_in


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's findings once the page has loaded and no CSS transition is under way: a
    button just clicked fades to its hover colours for 0.15 s, and its contrast half way is no
    colour the page shows at rest. The mouse is moved off it first."""
    page.wait_for_load_state("load")
    page.mouse.move(0, 0)
    page.wait_for_function(NO_TRANSITION_RUNNING)
    return list(Axe().run(page).response["violations"])
