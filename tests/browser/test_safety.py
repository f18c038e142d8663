"""What a hurried person can no longer do by accident: send the order form twice or half-filled,
change many orders without being told how many and what happens, or cancel every order in the
system from an unfiltered grid in three clicks."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.test_order_create_edit import open_create_form, open_grid


def test_enter_in_the_customer_picker_picks_the_highlighted_customer_and_never_sends_the_form(
    page: Page, order_server: Any, sign_in: Any
) -> None:
    base = order_server.url
    sign_in(page, base, "sales")
    open_create_form(page, base)

    # When they type "acme", go down to the second match with the arrow keys and press Enter
    picker = page.locator("#customer_label")
    picker.fill("acme")
    options = page.locator("#customer-results [role=option]")
    expect(options).to_have_count(2)
    expect(picker).to_have_attribute("aria-expanded", "true")
    picker.press("ArrowDown")
    picker.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    picker.press("Enter")

    # Then that customer is picked, and the form is still being filled in (not sent)
    expect(picker).to_have_value(order_server.other_customer_name)
    expect(options).to_have_count(0)
    expect(page).to_have_url(f"{base}/admin/orders/new/")

    # And Enter in another box (the PO number) does not send the form either
    page.get_by_label("PO Number").fill("PO-HALF")
    page.get_by_label("PO Number").press("Enter")
    page.wait_for_timeout(300)
    expect(page).to_have_url(f"{base}/admin/orders/new/")
    expect(page.locator(".alert-danger")).to_have_count(0)


def test_a_double_click_on_save_makes_one_order(page: Page, order_server: Any, sign_in: Any) -> None:
    base = order_server.url
    sign_in(page, base, "sales")
    open_create_form(page, base)
    page.locator("#customer_label").fill("Acme Ind")
    page.locator("#customer-results [role=option]", has_text=order_server.customer_name).click()
    row = page.locator("#line-items .line-row").first
    row.locator(".product-search").fill("wid")
    row.locator(".product-results [role=option]", has_text="WID-1").click()
    page.get_by_label("PO Number").fill("PO-TWICE")

    # When they double-click Save
    page.locator("#save-order").dblclick()

    # Then the order page opens, and the grid holds one order with that PO number
    expect(page).to_have_url(re.compile(r"/admin/orders/details/\?id=\d+"))
    page.goto(f"{base}/admin/orders/?search=PO-TWICE")
    expect(page.locator("table.model-list tbody td.col-identifier")).to_have_count(1)


def test_the_selection_confirmation_says_how_many_orders_and_what_happens(
    page: Page, live_server: Any, sign_in: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "manager")
    open_grid(page, base)
    open_numbers = live_server.numbers_with_status("open")
    for number in open_numbers:
        page.locator("table.model-list tr", has_text=number).locator("input.action-checkbox").check()

    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="With selected").click()
    page.locator("[data-model-action='cancel']").click()

    assert questions == [
        f"Cancel {len(open_numbers)} selected orders? Open orders become Cancelled and can no longer be "
        "changed. Orders this cannot apply to are skipped and listed in the report."
    ]
    expect(page.locator(".alert")).to_have_count(0)  # dismissed: nothing was sent
    expect(page.locator("table.model-list tr", has_text=open_numbers[0])).to_contain_text("Open")


def test_without_a_filter_changing_all_orders_needs_their_number_typed(
    page: Page, live_server: Any, sign_in: Any
) -> None:
    base = live_server.url
    sign_in(page, base, "manager")
    open_grid(page, base)

    # The menu starts on no action
    menu = page.locator("#apply-filtered-action")
    expect(menu.locator("option:checked")).to_have_text("Choose an action…")
    menu.select_option(label="Cancel")
    page.get_by_role("button", name="Review…").click()

    # The review page says it is every order and asks for their number
    total = len(live_server.orders)
    expect(page.locator("#filtered-count")).to_contain_text(
        f"There is no filter: this is every order, {total} in all."
    )
    page.get_by_label(f"Type the number of orders ({total}) to confirm").fill("1")
    page.locator("#confirm-filtered").click()
    expect(page.locator(".alert-danger")).to_contain_text(f"type {total} to confirm. Nothing was changed.")
    open_grid(page, base)
    expect(page.locator("table.model-list tbody tr", has_text="Cancelled")).to_have_count(
        len(live_server.numbers_with_status("cancelled"))
    )
