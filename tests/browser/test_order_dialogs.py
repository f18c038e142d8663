"""The order page's quick dialogs (issue 16): Add Coupon Code, Add Note and Shipping Tracking
open in a modal on the order page and leave it updated in place; without JavaScript the same
buttons are links to the full pages, which still work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from tests.browser.conftest import _serving
from tests.browser.test_coupons import CouponServer, _seed_with_demo_coupons


@pytest.fixture
def dialog_server(clean_db: Engine, database_url: str) -> Iterator[CouponServer]:
    """The coupon tests' data: demo coupons and an open order with no promotion on it."""
    with _serving(database_url, _seed_with_demo_coupons) as (url, number):
        yield CouponServer(url=url, number=number)


def _open_order(page: Page, server: CouponServer) -> str:
    page.goto(f"{server.url}/admin/orders/")
    page.locator("table.model-list").get_by_role("link", name=server.number, exact=True).click()
    expect(page.locator("#order-title")).to_contain_text(f"Order #{server.number}")
    # The dialogs' script runs once the page has loaded; a click before that is a plain link.
    page.wait_for_load_state()
    return page.url


def _add_a_note_without_javascript(browser: Any, server: CouponServer, sign_in: Any) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1600, "height": 1000})
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, server.url, "sales")
        order_id = _open_order(page, server).rsplit("=", 1)[-1]
        page.locator("#add-note").click()
        expect(page).to_have_url(f"{server.url}/admin/orders/activities/note/?id={order_id}")
        expect(page.locator("nav[aria-label='Main menu']")).to_be_visible()
        page.get_by_label("Note").fill("Typed without scripts")
        page.locator("#save-note").click()
        expect(page.locator("#order-title")).to_contain_text(f"Order #{server.number}")
        expect(page.locator(".alert")).to_contain_text("The note was added.")
        expect(page.locator("#activity-timeline")).to_contain_text("Typed without scripts")
    finally:
        context.close()


def test_quick_dialogs_change_the_order_in_a_modal_and_leave_the_page_updated_in_place(
    page: Page, browser: Any, dialog_server: CouponServer, sign_in: Any
) -> None:
    # Given a sales user on an open order's page
    sign_in(page, dialog_server.url, "sales")
    order_url = _open_order(page, dialog_server)
    dialog = page.get_by_role("dialog")

    # When they open Add Coupon Code, the form is in a modal named by its heading, focused
    page.locator("#add-coupon-code").click()
    expect(dialog).to_have_accessible_name(f"Add Coupon Code: Order #{dialog_server.number}")
    expect(dialog.get_by_label("Coupon Code")).to_be_focused()

    # And an unknown code is refused inside the modal, which stays open
    dialog.get_by_label("Coupon Code").fill("nope")
    dialog.get_by_role("button", name="Apply").click()
    expect(dialog.locator(".alert")).to_contain_text('Coupon code "nope" was not found.')

    # When they correct it, the modal closes and the page shows the coupon and the message
    dialog.get_by_label("Coupon Code").fill("spring10")
    dialog.get_by_role("button", name="Apply").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#content .alert")).to_contain_text("Coupon SPRING10 was added to the order")
    expect(page.locator("#applied-promotions tr.applied-promotion")).to_contain_text("SPRING10")
    expect(page.locator("#add-coupon-code")).to_be_focused()

    # When they open Add Note and press Escape, nothing is saved and focus is back on the button
    page.locator("#add-note").click()
    expect(dialog.get_by_label("Note")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.locator("#add-note")).to_be_focused()

    # When they add a note through the modal, it is in the timeline
    page.locator("#add-note").click()
    dialog.get_by_label("Note").fill("Call before delivery")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator("#content .alert")).to_contain_text("The note was added.")
    expect(page.locator("#activity-timeline")).to_contain_text("Call before delivery")

    # When they add two tracking numbers, the second in a row added inside the modal
    page.locator("#shipping-tracking").click()
    methods = dialog.get_by_label("Tracking method (carrier)")
    numbers = dialog.get_by_label("Tracking number", exact=True)
    methods.fill("UPS")
    numbers.fill("1Z999AA10123456784")
    dialog.get_by_role("button", name="+ Add").click()
    methods.nth(1).fill("FedEx")
    numbers.nth(1).fill("123456789012")
    dialog.get_by_role("button", name="Save").click()

    # Then both are on the order page, which the user never left
    expect(page.locator("#trackings tr.tracking")).to_have_count(2)
    expect(page.locator("#trackings")).to_contain_text("FedEx")
    expect(page.locator("#content .alert")).to_contain_text("Shipping Tracking Numbers have been updated")
    assert page.url == order_url

    # And without JavaScript, Add Note is a link to the full page, which still works
    _add_a_note_without_javascript(browser, dialog_server, sign_in)


def test_typing_straight_after_a_dialog_opens_keeps_every_value_in_its_own_field(
    page: Page, dialog_server: CouponServer, sign_in: Any
) -> None:
    # Given a sales user on an open order's page
    sign_in(page, dialog_server.url, "sales")
    _open_order(page, dialog_server)
    dialog = page.get_by_role("dialog")
    misplaced = []

    # When they open Add Special Discount and type into its fields at once, or after a pause
    # of up to 400 ms (a modal that fades in took the focus when its fade ended, and the
    # description went into the amount: "10Loyalty")
    for pause_ms in range(0, 400, 50):
        page.locator("#add-special-discount").click()
        expect(dialog).to_be_visible()
        page.get_by_label("Discount *").fill("10")
        page.wait_for_timeout(pause_ms)
        page.get_by_label("Description").fill("Loyalty")
        typed = (
            page.get_by_label("Discount *").input_value(),
            page.get_by_label("Description").input_value(),
        )
        if typed != ("10", "Loyalty"):
            misplaced.append((pause_ms, typed))
        page.keyboard.press("Escape")
        expect(dialog).to_be_hidden()

    # Then every value stayed where it was typed
    assert misplaced == []
