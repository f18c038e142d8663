"""Order lifecycle in the browser: ship, close, archive, partial shipments, bulk cancel and
what each role is offered (SPEC §2.2, §8)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

UPS_NUMBER = "1Z999AA10123456784"
UPS_LINK = (
    f"https://www.ups.com/WebTracking/processInputRequest?TypeOfInquiryNumber=T&InquiryNumber1={UPS_NUMBER}"
)


def grid_row(page: Page, number: str) -> Locator:
    """The grid row of one order, found by its number cell."""
    return page.locator("table.model-list tbody tr").filter(
        has=page.locator("td.col-identifier", has_text=re.compile(rf"^\s*{number}\s*$"))
    )


def open_order(page: Page, base: str, number: str) -> None:
    """Go to the grid (All Orders) and open an order by clicking its number."""
    page.goto(f"{base}/admin/orders/")
    page.locator("table.model-list").get_by_role("link", name=number, exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/orders/details/\?id=\d+"))
    expect(page.locator("#order-title")).to_contain_text(f"Order #{number}")
    page.wait_for_load_state()  # the page's scripts (confirmations, dialogs) have run


def flash(page: Page) -> Locator:
    return page.locator(".alert")


def history_entry(page: Page, what: str) -> Locator:
    """The Change History row whose What column is exactly `what` (e.g. 'Close Order')."""
    return page.locator("#change-history tr.history-entry").filter(
        has=page.locator("td:nth-child(3)", has_text=re.compile(rf"^\s*{re.escape(what)}\s*$"))
    )


def test_a_manager_ships_an_order_with_ups_tracking_then_closes_and_archives_it(
    page: Page, live_server: Any, sign_in: Callable[[Any, str, str], None], screenshot_dir: Path
) -> None:
    base = live_server.url
    number = live_server.numbers_with_status("open")[0]

    # Given a manager has the open order's page in front of them
    sign_in(page, base, "manager")
    open_order(page, base, number)
    expect(page.locator("#internal-status")).to_have_text("Open")
    expect(page.locator("#shipping-status")).to_have_text("Shipping: Not Shipped")
    expect(page.locator("#edit-order")).to_be_visible()

    # When they click Mark as Shipped, keep the quantities (everything remaining), add a UPS
    # number and confirm
    page.locator("#transition-mark_shipped").click()
    expect(page.get_by_role("heading", name=f"Mark as Shipped: Order #{number}")).to_be_visible()
    expect(page.locator("#ship-summary")).to_have_text(
        "Ships everything remaining: 3 units on 2 lines. The order becomes Shipped."
    )
    tracking = page.locator("#tracking-rows tr.tracking-row").last
    tracking.locator("input[name=tracking_method]").fill("UPS")
    tracking.locator("input[name=tracking_number]").fill(UPS_NUMBER)
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.locator("#confirm-ship").click()

    # Then the order page says so, shows Shipped and links the number to ups.com
    expect(page).to_have_url(re.compile(r"/admin/orders/details/\?id=\d+"))
    expect(flash(page)).to_contain_text(f"Order #{number} has been marked as shipped.")
    expect(page.locator("#internal-status")).to_have_text("Shipped")
    expect(page.locator("#shipping-status")).to_have_text("Shipping: Shipped")
    rows = page.locator("#trackings tr.tracking")
    expect(rows).to_have_count(1)
    expect(rows.locator("td").first).to_have_text("UPS")
    link = rows.get_by_role("link", name=UPS_NUMBER)
    expect(link).to_have_attribute("href", UPS_LINK)
    expect(link).to_have_attribute("target", "_blank")
    expect(page.locator("#section-line-items tr.line-item td:nth-child(7)")).to_have_text(["2", "1"])
    expect(page.locator("#edit-order")).to_have_count(0)
    expect(page.locator("#transition-mark_shipped")).to_have_count(0)
    expect(page.locator("#transition-cancel")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "lifecycle-shipped.png"), full_page=True)

    # When they close it and accept the confirmation
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#transition-close").click()

    # Then it is closed
    expect(flash(page)).to_contain_text(f"Order #{number} has been closed.")
    expect(page.locator("#internal-status")).to_have_text("Closed")
    expect(page.locator("#transition-close")).to_have_count(0)
    expect(page.locator("#shipping-tracking")).to_have_count(0)

    # When they archive it and accept the confirmation
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#transition-archive").click()

    # Then it is archived and nothing more can be done to it
    expect(flash(page)).to_contain_text(f"Order #{number} has been archived.")
    expect(page.locator("#internal-status")).to_have_text("Archived")
    expect(page.locator("#order-actions [id^=transition-]")).to_have_count(0)
    expect(page.locator("#edit-order")).to_have_count(0)

    # And the Change History names each transition, who did it and old → new, newest first
    for what, old, new in (
        ("Archive", "Closed", "Archived"),
        ("Close", "Shipped", "Closed"),
        ("Mark as Shipped", "Open", "Shipped"),
    ):
        entry = history_entry(page, what)
        expect(entry).to_have_count(1)
        expect(entry.locator("td:nth-child(2)")).to_have_text("Manager User")
        expect(entry.locator(".history-change")).to_contain_text(f"Internal Status: {old} → {new}")
    expect(history_entry(page, "Mark as Shipped").locator(".history-change")).to_contain_text(
        "Shipping Status: Not Shipped → Shipped"
    )
    whats = [
        text.strip()
        for text in page.locator("#change-history tr.history-entry td:nth-child(3)").all_inner_texts()
    ]
    assert whats.index("Archive") < whats.index("Close") < whats.index("Mark as Shipped"), whats
    page.screenshot(path=str(screenshot_dir / "lifecycle-archived.png"), full_page=True)


def test_shipping_part_of_a_line_leaves_the_order_open_and_partially_shipped(
    page: Page, live_server: Any, sign_in: Callable[[Any, str, str], None], screenshot_dir: Path
) -> None:
    base = live_server.url
    number = live_server.numbers_with_status("open")[0]

    # Given a manager is on the Mark as Shipped page of an open order (2 widgets, 1 gadget)
    sign_in(page, base, "manager")
    open_order(page, base, number)
    page.locator("#transition-mark_shipped").click()
    expect(page.locator("#ship-lines tbody tr")).to_have_count(2)

    # When they type 1 of the 2 widgets and 0 gadgets, the page says what will ship, and they
    # confirm those very words
    widget = page.locator("#ship-lines tbody tr").filter(has_text="WID-1")
    widget.locator("input[name^=ship-]").fill("1")
    gadget = page.locator("#ship-lines tbody tr").filter(has_text="GAD-2")
    gadget.locator("input[name^=ship-]").fill("0")
    summary = "Ships 1 unit on 1 line of the 3 units remaining. The order stays open as Partially Shipped."
    expect(page.locator("#ship-summary")).to_have_text(summary)
    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    page.locator("#confirm-ship").click()

    # Then the order is partially shipped and still open
    expect(page).to_have_url(re.compile(r"/admin/orders/details/\?id=\d+"))
    expect(flash(page)).to_contain_text(f"Order #{number} has been partially shipped.")
    assert questions == [summary + " Mark as shipped?"]
    expect(page.locator("#internal-status")).to_have_text("Open")
    expect(page.locator("#shipping-status")).to_have_text("Shipping: Partially Shipped")
    shipped = page.locator("#section-line-items tr.line-item").filter(has_text="WID-1")
    expect(shipped.locator("td:nth-child(7)")).to_have_text("1")
    expect(page.locator("#transition-mark_shipped")).to_be_visible()
    expect(page.locator("#transition-cancel")).to_be_visible()
    expect(page.locator("#edit-order")).to_be_visible()
    expect(page.locator("#trackings")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "lifecycle-partial.png"), full_page=True)

    # And the Ship page now shows 1 widget shipped and 1 remaining
    page.locator("#transition-mark_shipped").click()
    widget = page.locator("#ship-lines tbody tr").filter(has_text="WID-1")
    expect(widget.locator("td.money")).to_have_text(["2", "1", "1"])


def test_a_manager_cancels_two_orders_from_the_grid_and_a_repeat_skips_them(
    page: Page, live_server: Any, sign_in: Callable[[Any, str, str], None], screenshot_dir: Path
) -> None:
    base = live_server.url
    first, second = live_server.numbers_with_status("open")[:2]

    # Given a manager is on the orders grid
    sign_in(page, base, "manager")
    page.goto(f"{base}/admin/orders/")
    expect(page.locator("table.model-list tbody tr")).to_have_count(len(live_server.orders))

    def cancel_selected() -> None:
        for number in (first, second):
            grid_row(page, number).locator("input.action-checkbox").check()
        page.get_by_role("button", name="With selected").click()
        item = page.locator(".dropdown-menu.show .dropdown-item", has_text=re.compile(r"^Cancel$"))
        expect(item).to_be_visible()
        page.once("dialog", lambda dialog: dialog.accept())
        item.click()

    # When they tick two open orders and choose With selected > Cancel, accepting the confirm
    cancel_selected()

    # Then the job's page reports both cancelled, and both rows show Cancelled
    expect(page.locator("#job-summary")).to_contain_text("2 orders cancelled")
    page.screenshot(path=str(screenshot_dir / "lifecycle-bulk-cancel.png"), full_page=True)
    page.locator("#job-back").click()
    page.wait_for_url(re.compile(r".*/admin/orders/"))
    for number in (first, second):
        expect(grid_row(page, number).locator("td.col-internal_status")).to_have_text("Cancelled")

    # When they do it again
    cancel_selected()

    # Then nothing is cancelled and both are reported as skipped, with the reason
    expect(page.locator("#job-summary")).to_contain_text("0 orders cancelled; 2 skipped")
    skipped = page.locator("#skipped-orders")
    expect(skipped).to_contain_text(f"Order {first} cannot be cancelled because it is cancelled")
    expect(skipped).to_contain_text(f"Order {second} cannot be cancelled because it is cancelled")
    page.locator("#job-back").click()
    page.wait_for_url(re.compile(r".*/admin/orders/"))
    for number in (first, second):
        expect(grid_row(page, number).locator("td.col-internal_status")).to_have_text("Cancelled")


def test_a_sales_user_is_offered_mark_as_shipped_but_not_cancel_close_or_archive(
    page: Page, live_server: Any, sign_in: Callable[[Any, str, str], None]
) -> None:
    base = live_server.url
    number = live_server.numbers_with_status("open")[0]

    # When a sales user opens an open order
    sign_in(page, base, "sales")
    open_order(page, base, number)

    # Then Mark as Shipped is offered, Cancel, Close and Archive are not
    expect(page.locator("#transition-mark_shipped")).to_be_visible()
    for name in ("cancel", "close", "archive"):
        expect(page.locator(f"#transition-{name}")).to_have_count(0)
    expect(page.locator("#order-actions").get_by_role("button", name="Cancel")).to_have_count(0)
    expect(page.locator("#order-actions").get_by_role("button", name="Close")).to_have_count(0)

    # And the grid's With selected menu offers only Mark as Shipped of the transitions (and
    # printing, which changes nothing)
    page.goto(f"{base}/admin/orders/")
    page.get_by_role("button", name="With selected").click()
    items = page.locator(".dropdown-menu.show .dropdown-item")
    expect(items).to_have_text(["Mark as Shipped", "Print Invoices", "Print Packing Slips"])

    # And they can ship it themselves
    open_order(page, base, number)
    page.locator("#transition-mark_shipped").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#confirm-ship").click()
    expect(flash(page)).to_contain_text(f"Order #{number} has been marked as shipped.")
    expect(page.locator("#internal-status")).to_have_text("Shipped")
    expect(page.locator("#order-actions [id^=transition-]")).to_have_count(0)


def test_a_manager_ships_everything_without_a_tracking_number(
    page: Page, live_server: Any, sign_in: Callable[[Any, str, str], None], screenshot_dir: Path
) -> None:
    base = live_server.url
    number = live_server.numbers_with_status("open")[0]

    # Given a manager is on the Mark as Shipped page of an open Flat Rate (UPS) order
    sign_in(page, base, "manager")
    open_order(page, base, number)
    page.locator("#transition-mark_shipped").click()
    expect(page.get_by_role("heading", name=f"Mark as Shipped: Order #{number}")).to_be_visible()

    # When they ship everything, leaving the optional tracking numbers alone, and confirm
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#confirm-ship").click()
    expect(page).to_have_url(re.compile(r"/admin/orders/details/\?id=\d+"))
    page.wait_for_load_state("load")
    page.screenshot(path=str(screenshot_dir / "lifecycle-ship-no-tracking.png"), full_page=True)

    # Then the order is shipped, with no tracking numbers
    expect(flash(page)).to_contain_text(f"Order #{number} has been marked as shipped.", timeout=3_000)
    expect(page.locator("#internal-status")).to_have_text("Shipped")
    expect(page.locator("#trackings")).to_have_count(0)
