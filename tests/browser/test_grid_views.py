"""A sales user saves the order grid as a view (a filter, a hidden column, a moved column) and
makes it their default; after logging out and in, the grid opens with it again."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect


def headers(page: Page) -> list[str]:
    cells = page.locator("table.model-list thead th.column-header")
    return [re.sub(r"\s+", " ", text).strip() for text in cells.all_inner_texts()]


def test_a_saved_default_view_restores_filters_and_columns_after_logging_out_and_in(
    page: Page, live_server: Any, sign_in: Any, screenshot_dir: Path
) -> None:
    base = live_server.url
    cancelled = live_server.numbers_with_status("cancelled")
    rows = page.locator("table.model-list tbody tr")
    sign_in(page, base, "sales")

    # Given the grid filtered to cancelled orders
    page.goto(f"{base}/admin/orders/?flt0_internal_status_equals=cancelled")
    expect(rows).to_have_count(len(cancelled))
    expect(page.locator("#grid-views-menu")).to_have_text("View: unsaved changes")

    # When they hide Customer and move Total to the front with the Columns menu's arrows
    page.locator("#grid-columns-menu").click()
    page.get_by_label("Customer", exact=True).uncheck()
    move_left = page.get_by_role("button", name="Move Total left")
    for _ in range(6):
        move_left.click()
    expect(page.locator("#grid-column-list li").first).to_contain_text("Total")
    page.get_by_role("button", name="Show these columns").click()
    expected = [
        "Total",
        "Order Number",
        "Created At",
        "Internal Status",
        "Shipping Status",
        "Payment Status",
    ]
    expect(page.locator("table.model-list thead th.column-header")).to_have_count(len(expected))
    assert headers(page) == expected

    # And save the grid as "Cancelled", the view their grid opens with
    page.get_by_text("Save view as…").click()
    page.get_by_label("Name").fill("Cancelled")
    page.get_by_label("Open the grid with it").check()
    expect(page.get_by_label("Share with everyone")).to_have_count(0)  # sales may not share
    page.get_by_role("button", name="Save view").click()
    expect(page.locator(".alert-success")).to_contain_text("Saved the view “Cancelled”.")
    expect(page.locator("#grid-views-menu")).to_have_text("View: Cancelled")

    # When they log out, log in again and open the grid from the menu
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(f"{base}/login")
    sign_in(page, base, "sales")
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Sales", exact=True).click()
    page.get_by_role("link", name="Orders", exact=True).click()

    # Then the default view is back: its filter, its columns in their order
    expect(page).to_have_url(re.compile(r"flt0_internal_status_equals=cancelled"))
    expect(page.locator("#grid-views-menu")).to_have_text("View: Cancelled")
    expect(rows).to_have_count(len(cancelled))
    assert headers(page) == expected
    page.locator("#grid-views-menu").click()
    expect(page.locator("#grid-views li").filter(has_text="Cancelled")).to_contain_text("default")
    page.screenshot(path=str(screenshot_dir / "grid-saved-view.png"), full_page=True)
