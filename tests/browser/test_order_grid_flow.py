"""A sales user logs in, finds the cancelled orders in the grid and opens one (SPEC §3-§4)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests import factories


def log_in(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def grid_order_numbers(page: Page) -> list[str]:
    cells = page.locator("table.model-list tbody td.col-identifier")
    return sorted(text.strip() for text in cells.all_inner_texts())


def test_a_sales_user_filters_cancelled_orders_and_opens_one(
    page: Page, live_server: Any, screenshot_dir: Path
) -> None:
    base = live_server.url
    cancelled = live_server.numbers_with_status("cancelled")
    assert len(cancelled) == 2 and len(live_server.orders) == 6

    # Given the sales user has logged in through the form (with its CSRF token)
    log_in(page, base, "sales@example.com", factories.PASSWORD)
    expect(page).to_have_url(f"{base}/admin/")
    expect(page.locator("#current-user")).to_contain_text("Sales User")
    expect(page.locator("#dashboard")).to_be_visible()

    # When they open Sales > Orders from the menu (once the menu's scripts have loaded)
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Sales", exact=True).click()
    orders_link = page.get_by_role("link", name="Orders", exact=True)
    expect(orders_link).to_be_visible()
    orders_link.click()

    # Then the grid lists every seeded order
    expect(page).to_have_url(re.compile(r"/admin/orders/"))
    rows = page.locator("table.model-list tbody tr")
    expect(rows).to_have_count(6)
    page.screenshot(path=str(screenshot_dir / "grid-all.png"), full_page=True)

    # When they add the Internal Status filter, choose Cancelled and apply it
    page.get_by_role("link", name="Add Filter").click()
    page.locator(".field-filters a.filter", has_text="Internal Status").click()
    filter_row = page.locator("#filter_form table.filters tr").filter(has_text="Internal Status")
    expect(filter_row).to_have_count(1)
    filter_row.locator(".select2-container.filter-val a.select2-choice").click()
    page.locator("#select2-drop .select2-result-label", has_text="Cancelled").click()
    expect(filter_row.locator("select.filter-val")).to_have_value("cancelled")
    page.locator("#filter_form").get_by_role("button", name="Apply").click()

    # Then only the cancelled orders remain, each showing the label, not the code
    expect(page).to_have_url(re.compile(r"flt\d+_internal_status_equals=cancelled"))
    expect(rows).to_have_count(len(cancelled))
    assert grid_order_numbers(page) == cancelled
    expect(page.locator("table.model-list tbody td.col-internal_status")).to_have_text(
        ["Cancelled"] * len(cancelled)
    )
    page.screenshot(path=str(screenshot_dir / "grid-cancelled.png"), full_page=True)

    # When they switch to the "All Orders" view
    page.locator("#grid-views-menu").click()
    page.locator("#grid-views").get_by_role("link", name="All Orders").click()

    # Then the filter is gone and every order is listed again
    expect(page.locator("#grid-views-menu")).to_have_text("View: All Orders")
    expect(rows).to_have_count(6)

    # When they click a cancelled order's number
    number = cancelled[0]
    page.locator("table.model-list").get_by_role("link", name=number, exact=True).click()

    # Then the order page shows its number, status, customer and totals
    expect(page).to_have_url(re.compile(r"/admin/orders/details/\?id=\d+"))
    expect(page.locator("#order-title")).to_contain_text(f"Order #{number}")
    expect(page.locator("#internal-status")).to_have_text("Cancelled")
    expect(page.locator("#section-general")).to_contain_text(live_server.customer_name)
    totals = page.locator("#section-totals")
    expect(totals).to_contain_text("Totals")
    expect(totals.locator("tr.grand-total")).to_contain_text("$60.05")
    expect(page.locator("#order-total")).to_have_text("$60.05")
    page.screenshot(path=str(screenshot_dir / "order-page.png"), full_page=True)


def test_a_wrong_password_is_refused_and_stays_on_the_login_page(page: Page, live_server: Any) -> None:
    base = live_server.url

    # When the sales user types a wrong password
    log_in(page, base, "sales@example.com", "not-the-password")

    # Then the login form says so and nobody is logged in
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password.")
    expect(page).to_have_url(f"{base}/login")
    expect(page.get_by_label("Email")).to_be_visible()
    page.goto(f"{base}/admin/orders/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
