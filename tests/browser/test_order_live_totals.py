"""The order form's live totals, as a person sees them while filling in Create Order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.test_order_create_edit import open_create_form, pick_customer, pick_product


def test_the_totals_follow_a_changed_quantity_and_price_and_the_saved_order_has_the_same_total(
    page: Page, order_server: Any, sign_in: Any, screenshot_dir: Path
) -> None:
    base = order_server.url
    panel = page.locator("#totals-preview")

    # Given the sales user on Create Order with a customer and one widget ($10.00) chosen
    sign_in(page, base, "sales")
    open_create_form(page, base)
    pick_customer(page, "acme", order_server.customer_name)
    row = page.locator("#line-items .line-row").nth(0)
    pick_product(row, "wid", "WID-1 — Widget")
    expect(panel.locator('tr[data-row="Subtotal"] td.amount')).to_have_text("$10.00")

    # When they change the quantity to 3 and the price to 12.00
    row.locator(".line-quantity").fill("3")
    expect(panel.locator('tr[data-row="Subtotal"] td.amount')).to_have_text("$30.00")
    before = panel.locator("tr.grand-total td.amount").inner_text()
    row.locator(".line-price").fill("12.00")

    # Then the totals follow, without saving
    expect(panel.locator('tr[data-row="Subtotal"] td.amount')).to_have_text("$36.00")
    total = panel.locator("tr.grand-total td.amount")
    expect(total).not_to_have_text(before)
    shown = total.inner_text()
    page.screenshot(path=str(screenshot_dir / "create-form-live-totals.png"), full_page=True)

    # And once saved, the order page shows the same total
    page.locator("#save-order").click()
    expect(page.get_by_text("Order has been saved")).to_be_visible()
    expect(page.locator("#order-total")).to_have_text(shown)
