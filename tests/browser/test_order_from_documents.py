"""Create Order from a shopping list and from a request for quote (SPEC §5)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from playwright.sync_api import Locator, Page, expect

CENT = Decimal("0.01")
TAX_RATE = Decimal("0.10")  # factories' US tax rule; the default address is in the US


def usd(amount: Decimal) -> str:
    return f"${amount.quantize(CENT, ROUND_HALF_UP):,.2f}"


def general(page: Page, label: str) -> Locator:
    return page.locator("#section-general").locator(
        f"xpath=.//dt[normalize-space()='{label}']/following-sibling::dd[1]"
    )


def open_document(page: Page, base: str, menu_name: str, row_text: str) -> None:
    """Sales > <menu_name>, then the row's View icon."""
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Sales", exact=True).click()
    page.get_by_role("link", name=menu_name, exact=True).click()
    row = page.locator("table.model-list tbody tr").filter(has_text=row_text)
    expect(row).to_have_count(1)
    row.locator("a[title='View Record']").click()
    expect(page).to_have_url(re.compile(r"/details/\?id=\d+"))


def expect_totals(page: Page, rows: list[tuple[str, str]]) -> None:
    table_rows = page.locator("#section-totals tr[data-row]")
    expect(table_rows).to_have_count(len(rows))
    assert [r.get_attribute("data-row") for r in table_rows.all()] == [lbl for lbl, _ in rows]
    for label, amount in rows:
        expect(page.locator(f'#section-totals tr[data-row="{label}"] td.amount')).to_have_text(amount)


def save_and_follow_source_back(page: Page, source_text: str) -> str:
    """Save the form; check the order page links back to its source; return the order number."""
    page.locator("#save-order").click()
    expect(page).to_have_url(re.compile(r"/admin/orders/details/\?id=\d+"))
    expect(page.get_by_text("Order has been saved")).to_be_visible()
    title = page.locator("#order-title")
    expect(title).to_contain_text("Order #SO-")
    number = re.search(r"SO-\d+", title.inner_text()).group(0)  # type: ignore[union-attr]
    source = page.locator("#source-document a")
    expect(source).to_have_text(source_text)
    source.click()
    return number


def test_create_order_on_a_shopping_list_prefills_the_form_and_links_the_order_back(
    page: Page, documents_server: Any, sign_in: Any, screenshot_dir: Any
) -> None:
    base = documents_server.url
    label = documents_server.shopping_list_label

    # Given the sales user is on the shopping list's page, with no orders made from it yet
    sign_in(page, base, "sales")
    open_document(page, base, "Shopping Lists", label)
    expect(page.locator("#document-title")).to_have_text(label)
    expect(page.locator("#sales-orders .sales-order")).to_have_count(0)

    # When they click Create Order
    page.locator("#create-order").click()

    # Then the create form is pre-filled from the list
    expect(page).to_have_url(
        re.compile(rf"/admin/orders/new/\?shopping_list_id={documents_server.shopping_list_id}$")
    )
    expect(page.locator("#source-note")).to_have_text(f"Source Document: {label}")
    expect(page.locator("#customer_label")).to_have_value(documents_server.customer_name)
    expect(page.locator("#customer_user_id option:checked")).to_have_text(documents_server.buyer_label)
    expect(page.locator("select#currency")).to_have_value("USD")
    rows = page.locator("#line-items .line-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".product-search")).to_have_value("WID-1 — Widget")
    expect(rows.nth(0).locator(".line-quantity")).to_have_value("3")
    expect(rows.nth(1).locator(".product-search")).to_have_value("GAD-2 — Gadget")
    expect(rows.nth(1).locator(".line-quantity")).to_have_value("2")
    expect(rows.nth(1).locator("input[name$='-notes']")).to_have_value("Blue ones")
    expect(page.locator("#billing-address-select option:checked")).to_have_text(
        documents_server.default_address
    )
    expect(page.locator("#shipping-address-select option:checked")).to_have_text(
        documents_server.default_address
    )
    expect(page.locator("#customer_notes")).to_have_value("Deliver to the back door")
    page.screenshot(path=str(screenshot_dir / "create-form-from-shopping-list.png"), full_page=True)

    # When they save it
    number = save_and_follow_source_back(page, f'Shopping List "{label}"')

    # Then the link leads to the shopping list's page, which now lists the order
    expect(page).to_have_url(
        re.compile(rf"/admin/shopping_lists/details/\?id={documents_server.shopping_list_id}")
    )
    orders = page.locator("#sales-orders .sales-order")
    expect(orders).to_have_count(1)
    expect(orders.first).to_contain_text(number)
    expect(page.locator("#section-lines .document-line")).to_have_count(2)

    # And the order, opened from there, has the list's lines at the price list's prices
    orders.first.get_by_role("link", name=number).click()
    subtotal = Decimal("10.00") * 3 + Decimal("25.50") * 2
    tax = (subtotal * TAX_RATE).quantize(CENT, ROUND_HALF_UP)
    expect(page.locator("#section-line-items tr.line-item")).to_have_count(2)
    expect(page.locator("#section-line-items tr.line-item td:nth-child(5)")).to_have_text(
        ["$10.00", "$25.50"]
    )
    expect(general(page, "Customer Notes")).to_have_text("Deliver to the back door")
    expect_totals(page, [("Subtotal", usd(subtotal)), ("Tax", usd(tax)), ("Total", usd(subtotal + tax))])


def test_create_order_on_an_rfq_prefills_po_number_and_target_prices_and_links_the_order_back(
    page: Page, documents_server: Any, sign_in: Any, screenshot_dir: Any
) -> None:
    base = documents_server.url
    rfq_name = f"RFQ #{documents_server.rfq_id}"

    # Given the sales user is on the RFQ's page
    sign_in(page, base, "sales")
    open_document(page, base, "Requests for Quote", "RFQ-PO-77")
    expect(page.locator("#document-title")).to_have_text(rfq_name)
    expect(page.locator("#sales-orders .sales-order")).to_have_count(0)

    # When they click Create Order
    page.locator("#create-order").click()

    # Then the form is pre-filled: customer, PO number, ship until, note, the requested line
    expect(page).to_have_url(re.compile(rf"/admin/orders/new/\?rfq_id={documents_server.rfq_id}$"))
    expect(page.locator("#source-note")).to_have_text(f"Source Document: {rfq_name}")
    expect(page.locator("#customer_label")).to_have_value(documents_server.customer_name)
    expect(page.locator("#customer_user_id option:checked")).to_have_text(documents_server.buyer_label)
    expect(page.get_by_label("PO Number")).to_have_value("RFQ-PO-77")
    expect(page.locator("#ship_until")).to_have_value("2031-03-15")
    expect(page.locator("#customer_notes")).to_have_value("Need these before the audit")
    rows = page.locator("#line-items .line-row")
    expect(rows).to_have_count(1)
    expect(rows.nth(0).locator(".product-search")).to_have_value("WID-1 — Widget")
    expect(rows.nth(0).locator(".line-quantity")).to_have_value("4")
    expect(rows.nth(0).locator(".line-price")).to_have_value("9.50")
    expect(rows.nth(0).locator("input[name$='-notes']")).to_have_value("Bulk pack")
    expect(page.locator("#shipping-address-select option:checked")).to_have_text(
        documents_server.default_address
    )
    page.screenshot(path=str(screenshot_dir / "create-form-from-rfq.png"), full_page=True)

    # When they save it
    number = save_and_follow_source_back(page, f'Request For Quote "{rfq_name}"')

    # Then the RFQ's page lists the order and the RFQ itself is as it was
    expect(page).to_have_url(re.compile(rf"/admin/rfqs/details/\?id={documents_server.rfq_id}"))
    orders = page.locator("#sales-orders .sales-order")
    expect(orders).to_have_count(1)
    expect(orders.first).to_contain_text(number)
    expect(page.locator("#section-lines .requested-item")).to_have_text(["4 item at $9.50"])
    expect(page.locator("table").filter(has_text="Status").first).to_contain_text("Open")

    # And the order has the target price as its price, with totals from it
    orders.first.get_by_role("link", name=number).click()
    expect(general(page, "PO Number")).to_have_text("RFQ-PO-77")
    expect(page.locator("#section-line-items tr.line-item td:nth-child(5)")).to_have_text(["$9.50"])
    subtotal = Decimal("9.50") * 4
    tax = (subtotal * TAX_RATE).quantize(CENT, ROUND_HALF_UP)
    expect_totals(page, [("Subtotal", usd(subtotal)), ("Tax", usd(tax)), ("Total", usd(subtotal + tax))])
