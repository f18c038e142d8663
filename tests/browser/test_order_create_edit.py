"""Create, edit and delete orders through the order form, as a person does (SPEC §2, §4, §5)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

CENT = Decimal("0.01")
TAX_RATE = Decimal("0.10")  # factories' US tax rule: 10 % of the subtotal after discounts
STALE = "This order was changed by someone else since you opened it"


# ---- helpers -------------------------------------------------------------------------------


def usd(amount: Decimal) -> str:
    rounded = amount.quantize(CENT, ROUND_HALF_UP)
    return f"{'-' if rounded < 0 else ''}${abs(rounded):,.2f}"


def tax_on(amount: Decimal) -> Decimal:
    return (amount * TAX_RATE).quantize(CENT, ROUND_HALF_UP)


def open_grid(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/")
    page.get_by_role("link", name="Sales", exact=True).click()
    page.get_by_role("link", name="Orders", exact=True).click()
    expect(page).to_have_url(re.compile(r"/admin/orders/"))


def open_create_form(page: Page, base: str) -> None:
    open_grid(page, base)
    page.locator("#create-order").click()
    expect(page).to_have_url(f"{base}/admin/orders/new/")
    expect(page.get_by_role("heading", name="Create Order")).to_be_visible()
    page.wait_for_load_state("load")  # the form's script is wired once the page has loaded


def open_order(page: Page, base: str, number: str) -> None:
    open_grid(page, base)
    page.locator("table.model-list").get_by_role("link", name=number, exact=True).click()
    expect(page.locator("#order-title")).to_contain_text(f"Order #{number}")
    page.wait_for_load_state()  # the page's scripts (confirmations, dialogs) have run


def pick_customer(page: Page, typed: str, name: str) -> None:
    page.locator("#customer_label").fill(typed)
    page.locator("#customer-results .picker-option", has_text=name).click()
    expect(page.locator("#customer_label")).to_have_value(name)
    expect(page.locator("#customer-results .picker-option")).to_have_count(0)


def pick_product(row: Locator, typed: str, label: str) -> None:
    row.locator(".product-search").fill(typed)
    row.locator(".product-results .picker-option", has_text=label).click()
    expect(row.locator(".product-search")).to_have_value(label)


def general(page: Page, label: str) -> Locator:
    """The value next to a label in the order page's General section."""
    return page.locator("#section-general").locator(
        f"xpath=.//dt[normalize-space()='{label}']/following-sibling::dd[1]"
    )


def expect_totals(page: Page, rows: list[tuple[str, str]]) -> None:
    """The Totals section lists exactly these (label, amount) rows, in this order."""
    table_rows = page.locator("#section-totals tr[data-row]")
    expect(table_rows).to_have_count(len(rows))
    assert [r.get_attribute("data-row") for r in table_rows.all()] == [lbl for lbl, _ in rows]
    for label, amount in rows:
        expect(page.locator(f'#section-totals tr[data-row="{label}"] td.amount')).to_have_text(amount)


def line_item_cells(page: Page, index: int) -> Locator:
    return page.locator("#section-line-items tr.line-item").nth(index).locator("td")


# ---- 1. create from scratch ----------------------------------------------------------------


def test_a_sales_user_creates_an_order_from_scratch_with_searched_products_and_a_typed_shipping_address(
    page: Page, order_server: Any, sign_in: Any, screenshot_dir: Path
) -> None:
    base = order_server.url
    widget_price, gadget_override = Decimal("10.00"), Decimal("24.00")
    widget_qty, gadget_qty = 3, 2
    discount, shipping = Decimal("5.00"), Decimal("10.00")

    # Given the sales user is logged in and clicks Create Order on the grid
    sign_in(page, base, "sales")
    open_create_form(page, base)
    page.screenshot(path=str(screenshot_dir / "create-form-empty.png"), full_page=True)

    # When they type part of the customer's name
    page.locator("#customer_label").fill("acme")

    # Then both matching customers are offered, and they pick Acme Industrial
    options = page.locator("#customer-results .picker-option")
    expect(options).to_have_text([order_server.customer_name, order_server.other_customer_name])
    options.filter(has_text=order_server.customer_name).click()
    expect(page.locator("#customer_label")).to_have_value(order_server.customer_name)
    expect(options).to_have_count(0)

    # Then only that customer's users are offered, and its defaults are pre-selected
    user_select = page.locator("#customer_user_id")
    expect(user_select.locator("option")).to_have_text(["—", order_server.buyer_label])
    billing = page.locator("#billing-address-select")
    shipping_select = page.locator("#shipping-address-select")
    expect(billing.locator("option:checked")).to_have_text(order_server.default_address)
    expect(shipping_select.locator("option:checked")).to_have_text(order_server.default_address)
    expect(page.locator("#payment_term_id option:checked")).to_have_text("Net 30")

    # When they choose the customer user, their own shipping address is offered too
    user_select.select_option(label=order_server.buyer_label)
    expect(shipping_select.locator("option", has_text=order_server.user_address)).to_have_count(1)
    expect(billing.locator("option", has_text=order_server.user_address)).to_have_count(0)
    expect(billing.locator("option:checked")).to_have_text(order_server.default_address)
    page.locator("select#currency").select_option("USD")

    # When they add a product by SKU: the price list fills its USD price
    rows = page.locator("#line-items .line-row")
    first = rows.nth(0)
    pick_product(first, "wid", "WID-1 — Widget")
    expect(first.locator(".line-price")).to_have_value(str(widget_price))
    expect(first.locator(".line-unit")).to_have_value("item")
    first.locator(".line-quantity").fill(str(widget_qty))

    # And a second product by name, whose list price they override
    page.locator("#add-line").click()
    expect(rows).to_have_count(2)
    second = rows.nth(1)
    expect(second.locator(".product-search")).to_have_value("")
    pick_product(second, "Gadg", "GAD-2 — Gadget")
    expect(second.locator(".line-price")).to_have_value("25.50")
    second.locator(".line-quantity").fill(str(gadget_qty))
    second.locator(".line-price").fill(str(gadget_override))

    # And a special discount
    page.locator("#add-discount").click()
    discount_row = page.locator("#discounts .discount-row")
    expect(discount_row).to_have_count(1)
    discount_row.locator("input[name$='-value']").fill(str(discount))
    discount_row.locator("input[name$='-description']").fill("Loyalty")

    # And they type a new shipping address instead of the address book's
    shipping_select.select_option("manual")
    expect(page.locator("[name='shipping-street']")).to_be_visible()
    expect(page.locator("[name='billing-street']")).to_be_hidden()
    for field, value in {
        "first_name": "Sam",
        "last_name": "Receiver",
        "street": "200 Harbor Blvd",
        "postal_code": "94607",
        "city": "Oakland",
        "region": "CA",
        "country": "US",
    }.items():
        page.locator(f"[name='shipping-{field}']").fill(value)

    # And they calculate shipping and pick the flat rate with its computed cost
    page.locator("#calculate-shipping").click()
    flat = page.locator("#shipping-options .shipping-option", has_text="Flat Rate: $10.00")
    expect(flat).to_have_count(1)
    flat.click()
    expect(flat.locator("input[type=radio]")).to_be_checked()

    # And they fill in the additional information
    page.get_by_label("PO Number").fill("PO-7001")
    page.locator("#ship_until").fill("2030-06-30")
    page.locator("#customer_notes").fill("Leave at reception")
    page.screenshot(path=str(screenshot_dir / "create-form-filled.png"), full_page=True)
    page.locator("#save-order").click()

    # Then the order page says it has been saved and shows what they entered
    expect(page).to_have_url(re.compile(r"/admin/orders/details/\?id=\d+"))
    expect(page.get_by_text("Order has been saved")).to_be_visible()
    expect(page.locator("#order-title")).to_contain_text("Order #SO-000007")
    expect(page.locator("#internal-status")).to_have_text("Open")
    expect(general(page, "PO Number")).to_have_text("PO-7001")
    expect(general(page, "Customer")).to_have_text(order_server.customer_name)
    expect(general(page, "Customer User")).to_have_text("Bea Buyer")
    expect(general(page, "Payment Term")).to_have_text("Net 30")
    expect(general(page, "Ship Until")).to_have_text("2030-06-30")
    expect(general(page, "Customer Notes")).to_have_text("Leave at reception")
    expect(general(page, "Billing Address")).to_contain_text("1 Main St")
    expect(general(page, "Shipping Address")).to_contain_text("200 Harbor Blvd")
    expect(general(page, "Shipping Address")).to_contain_text("Sam Receiver")
    expect(page.locator("#section-shipping")).to_contain_text("Flat Rate")

    # And the line items, with the list price and the overridden price
    expect(page.locator("#section-line-items tr.line-item")).to_have_count(2)
    widget_total = widget_price * widget_qty
    gadget_total = gadget_override * gadget_qty
    expect(line_item_cells(page, 0)).to_have_text(
        ["WID-1", "Widget", str(widget_qty), "item", usd(widget_price), usd(widget_total), "0", "", ""]
    )
    expect(line_item_cells(page, 1)).to_have_text(
        ["GAD-2", "Gadget", str(gadget_qty), "item", usd(gadget_override), usd(gadget_total), "0", "", ""]
    )

    # And totals computed by hand: tax on the discounted subtotal, not on shipping
    subtotal = widget_total + gadget_total
    tax = tax_on(subtotal - discount)
    total = subtotal - discount + shipping + tax
    expect_totals(
        page,
        [
            ("Subtotal", usd(subtotal)),
            ("Loyalty (Special Discount)", usd(-discount)),
            ("Shipping", usd(shipping)),
            ("Tax", usd(tax)),
            ("Total", usd(total)),
        ],
    )
    expect(page.locator("#order-total")).to_have_text(usd(total))
    page.screenshot(path=str(screenshot_dir / "created-order.png"), full_page=True)


# ---- 2. customer and customer user created on the fly --------------------------------------


def test_a_new_customer_and_customer_user_are_created_from_the_form_and_get_a_free_form_order(
    page: Page, order_server: Any, sign_in: Any, screenshot_dir: Path
) -> None:
    base = order_server.url
    price, quantity = Decimal("12.50"), 4

    # Given the sales user is on the Create Order form
    sign_in(page, base, "sales")
    open_create_form(page, base)

    # When they create a new customer without leaving the form
    page.locator("#new-customer-toggle").click()
    page.locator("#new-customer-name").fill("Zephyr Tools")
    page.locator("#new-customer-save").click()

    # Then it becomes the order's customer, with no users and no address book yet
    expect(page.locator("#customer_label")).to_have_value("Zephyr Tools")
    expect(page.locator("#new-customer")).to_be_hidden()
    user_select = page.locator("#customer_user_id")
    expect(user_select.locator("option")).to_have_text(["—"])
    expect(page.locator("#billing-address-select option")).to_have_text(
        ["— No address —", "Enter other address"]
    )

    # When they try to create a customer user with a bad email, the form says why
    page.locator("#new-customer-user-toggle").click()
    page.locator("#new-cu-first").fill("Zoe")
    page.locator("#new-cu-last").fill("Zimmer")
    page.locator("#new-cu-email").fill("not-an-email")
    page.locator("#new-customer-user-save").click()
    expect(page.locator("#new-customer-user .inline-error")).to_contain_text("not a valid email address")

    # When they correct the email, the new user is created and chosen
    page.locator("#new-cu-email").fill("zoe@zephyr.example")
    page.locator("#new-customer-user-save").click()
    expect(page.locator("#new-customer-user")).to_be_hidden()
    expect(user_select.locator("option:checked")).to_have_text("Zoe Zimmer <zoe@zephyr.example>")

    # And they enter a free-form product
    row = page.locator("#line-items .line-row").first
    row.locator(".free-form-toggle").check()
    expect(row.locator(".product-search")).to_be_hidden()
    row.locator("[name='lines-0-free_form_sku']").fill("CUST-1")
    row.locator("[name='lines-0-free_form_name']").fill("Custom bracket")
    row.locator(".line-quantity").fill(str(quantity))
    row.locator(".line-price").fill(str(price))

    # And type a billing address for the new customer
    page.locator("#billing-address-select").select_option("manual")
    for field, value in {
        "organization": "Zephyr Tools GmbH",
        "street": "Hauptstr. 1",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
    }.items():
        page.locator(f"[name='billing-{field}']").fill(value)
    page.screenshot(path=str(screenshot_dir / "create-form-new-customer.png"), full_page=True)
    page.locator("#save-order").click()

    # Then the order is saved for the new customer and user with the free-form line
    expect(page.get_by_text("Order has been saved")).to_be_visible()
    expect(general(page, "Customer")).to_have_text("Zephyr Tools")
    expect(general(page, "Customer User")).to_have_text("Zoe Zimmer")
    expect(general(page, "Billing Address")).to_contain_text("Hauptstr. 1")
    expect(general(page, "Shipping Address")).to_have_text("N/A")
    expect(page.locator("#section-line-items tr.line-item")).to_have_count(1)
    cells = line_item_cells(page, 0)
    expect(cells.nth(0)).to_have_text("CUST-1")
    expect(cells.nth(1)).to_have_text("Custom bracket free-form")
    expect(cells.nth(4)).to_have_text(usd(price))
    subtotal = price * quantity
    # no shipping address: no tax rule applies; no shipping method: no Shipping row
    expect_totals(page, [("Subtotal", usd(subtotal)), ("Tax", "$0.00"), ("Total", usd(subtotal))])

    # And the new customer can be found by the customer picker of a next order
    open_create_form(page, base)
    page.locator("#customer_label").fill("zeph")
    expect(page.locator("#customer-results .picker-option")).to_have_text(["Zephyr Tools"])


# ---- 3. edit an open order -----------------------------------------------------------------


def test_changing_a_quantity_of_an_open_order_recomputes_its_totals(
    page: Page, order_server: Any, sign_in: Any
) -> None:
    base = order_server.url
    number = order_server.numbers_with_status("open")[0]

    # Given an open order of 2 widgets at $10.00 and 1 gadget at $25.50, total $60.05
    sign_in(page, base, "sales")
    open_order(page, base, number)
    expect(page.locator("#order-total")).to_have_text("$60.05")

    # When the sales user edits it and changes the widgets' quantity to 5
    page.locator("#edit-order").click()
    expect(page.get_by_role("heading", name=f"Edit Order #{number}")).to_be_visible()
    rows = page.locator("#line-items .line-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".product-search")).to_have_value("WID-1 — Widget")
    expect(rows.nth(0).locator(".line-quantity")).to_have_value("2")
    expect(rows.nth(0).locator(".line-price")).to_have_value("10.00")
    # (the order keeps its own copy of the address, shown as an "other address")
    expect(page.locator("[name='billing-street']")).to_have_value("1 Main St")
    expect(page.locator("[name='shipping-street']")).to_have_value("1 Main St")
    rows.nth(0).locator(".line-quantity").fill("5")
    page.locator("#save-order").click()

    # Then the order page shows the new quantity and recomputed totals
    expect(page.get_by_text("Order has been saved")).to_be_visible()
    expect(line_item_cells(page, 0).nth(2)).to_have_text("5")
    expect(line_item_cells(page, 0).nth(5)).to_have_text("$50.00")
    subtotal = Decimal("10.00") * 5 + Decimal("25.50")
    tax = tax_on(subtotal)
    total = subtotal + Decimal("10.00") + tax
    expect_totals(
        page, [("Subtotal", usd(subtotal)), ("Shipping", "$10.00"), ("Tax", usd(tax)), ("Total", usd(total))]
    )
    expect(page.locator("#order-total")).to_have_text(usd(total))


# ---- 4. concurrent edits -------------------------------------------------------------------


def test_a_save_over_someone_elses_newer_save_is_refused_and_keeps_their_values(
    page: Page, second_page: Page, order_server: Any, sign_in: Any, screenshot_dir: Path
) -> None:
    base = order_server.url
    number = order_server.numbers_with_status("open")[1]

    # Given the sales user and the manager both open the edit form of the same order
    sign_in(page, base, "sales")
    sign_in(second_page, base, "manager")
    open_order(page, base, number)
    page.locator("#edit-order").click()
    expect(page.get_by_role("heading", name=f"Edit Order #{number}")).to_be_visible()
    second_page.goto(page.url)
    expect(second_page.get_by_role("heading", name=f"Edit Order #{number}")).to_be_visible()

    # When the sales user changes the PO number and the widgets' quantity and saves first
    page.get_by_label("PO Number").fill("PO-FIRST")
    page.locator("#line-items .line-row").nth(0).locator(".line-quantity").fill("4")
    page.locator("#save-order").click()
    expect(page.get_by_text("Order has been saved")).to_be_visible()

    # And the manager then saves their own, older form
    second_page.get_by_label("PO Number").fill("PO-SECOND")
    second_page.locator("#line-items .line-row").nth(1).locator(".line-quantity").fill("3")
    second_page.locator("#save-order").click()

    # Then the manager's save is refused and they stay on the form
    expect(second_page.locator(".alert-danger", has_text=STALE)).to_be_visible()
    # And the live totals say the same, rather than totals of an order that has moved on
    expect(second_page.locator("#totals-message")).to_contain_text(STALE)
    expect(second_page.get_by_text("Order has been saved")).to_have_count(0)
    expect(second_page).to_have_url(re.compile(r"/admin/orders/edit/\?id=\d+"))
    second_page.screenshot(path=str(screenshot_dir / "edit-stale.png"), full_page=True)

    # And the order keeps the sales user's values
    open_order(second_page, base, number)
    expect(general(second_page, "PO Number")).to_have_text("PO-FIRST")
    expect(line_item_cells(second_page, 0).nth(2)).to_have_text("4")
    expect(line_item_cells(second_page, 1).nth(2)).to_have_text("1")
    subtotal = Decimal("10.00") * 4 + Decimal("25.50")
    total = subtotal + Decimal("10.00") + tax_on(subtotal)
    expect(second_page.locator("#order-total")).to_have_text(usd(total))


# ---- 5. delete -----------------------------------------------------------------------------


def test_a_manager_deletes_an_order_after_confirming_and_it_leaves_the_grid(
    page: Page, order_server: Any, sign_in: Any
) -> None:
    base = order_server.url
    number = order_server.numbers_with_status("open")[-1]
    messages: list[str] = []

    # Given the manager is on an order's page
    sign_in(page, base, "manager")
    open_order(page, base, number)

    # When they click Delete but dismiss the confirmation, nothing happens
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    page.locator("#delete-order").click()
    expect(page.locator("#order-title")).to_contain_text(f"Order #{number}")
    assert messages == ["Are you sure you want to delete this order?"]

    # When they click Delete again and accept
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.locator("#delete-order").click()

    # Then the grid says so and no longer lists the order
    expect(page).to_have_url(re.compile(r"/admin/orders/(\?.*)?$"))
    expect(page.get_by_text(f"Order #{number} has been deleted.")).to_be_visible()
    assert messages == ["Are you sure you want to delete this order?"] * 2
    grid = page.locator("table.model-list")
    expect(grid.locator("tbody tr")).to_have_count(len(order_server.orders) - 1)
    expect(grid.get_by_role("link", name=number, exact=True)).to_have_count(0)
