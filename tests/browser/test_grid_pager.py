"""A user pages through the order grid with First, Previous, the page numbers, Next and Last."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from models import db
from tests import factories
from tests.browser.conftest import _serving
from tests.browser.test_order_grid_flow import log_in

ORDERS = 45


def _seed_many_orders() -> list[str]:
    users = factories.make_users(db.session)
    catalog = factories.make_catalog(db.session)
    db.session.commit()
    made = [factories.make_order(db.session, catalog, actor=users["sales"]) for _ in range(ORDERS)]
    db.session.commit()
    return [order.identifier for order in reversed(made)]  # newest first, as the grid sorts


@pytest.fixture
def many_orders_server(clean_db: Any, database_url: str) -> Iterator[tuple[str, list[str]]]:
    with _serving(database_url, _seed_many_orders) as served:
        yield served


def shown(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("table.model-list tbody td.col-identifier").all_inner_texts()]


def test_a_user_pages_through_the_grid_and_back(
    page: Page, many_orders_server: tuple[str, list[str]]
) -> None:
    base, newest_first = many_orders_server
    log_in(page, base, "sales@example.com", factories.PASSWORD)
    expect(page).to_have_url(f"{base}/admin/")  # signed in before leaving the login page
    page.goto(f"{base}/admin/orders/?page_size=20")
    position = page.locator("#pager-position")
    expect(position).to_have_text("Page 1 · 45 matches")
    assert shown(page) == newest_first[:20]

    page.get_by_role("link", name="Next ›").click()
    expect(position).to_have_text("Page 2 · 45 matches")
    assert shown(page) == newest_first[20:40]

    page.get_by_role("link", name="Last »").click()
    expect(position).to_have_text("Page 3 · 45 matches")
    assert shown(page) == newest_first[40:]
    expect(page.locator(".grid-pager .page-item.disabled", has_text="Next ›")).to_be_visible()

    page.get_by_role("link", name="‹ Previous").click()
    expect(position).to_have_text("Page 2 · 45 matches")
    assert shown(page) == newest_first[20:40]

    page.get_by_role("link", name="« First").click()
    expect(position).to_have_text("Page 1 · 45 matches")
    page.locator(".grid-pager").get_by_role("link", name="3", exact=True).click()
    expect(position).to_have_text("Page 3 · 45 matches")
    assert shown(page) == newest_first[40:]
