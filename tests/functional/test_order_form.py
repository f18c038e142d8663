"""The Create Order and Edit Order form, and the JSON lookups behind it (SPEC §2, §5, §8)."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from models import (
    Customer,
    CustomerUser,
    Order,
    OrderLineItem,
    db,
)
from tests.conftest import flashed_messages
from tests.factories import make_order

D = Decimal
STALE = "This order was changed by someone else since you opened it"


def _orders() -> list[Order]:
    db.session.rollback()
    db.session.expire_all()
    return list(db.session.scalars(select(Order).order_by(Order.id)))


def _count(model: Any) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def _create_form(catalog: dict[str, Any], **overrides: str) -> dict[str, str]:
    """A complete Create Order post: 2 widgets + 1 gadget, book billing, manual shipping,
    flat-rate shipping and a 10% discount."""
    form = {
        "customer_id": str(catalog["customer"].id),
        "customer_user_id": str(catalog["buyer"].id),
        "currency": "USD",
        "lines-0-product_id": str(catalog["widget"].id),
        "lines-0-quantity": "2",
        "lines-1-product_id": str(catalog["gadget"].id),
        "lines-1-quantity": "1",
        "billing-choice": f"c{catalog['address'].id}",
        "shipping-choice": "manual",
        "shipping-first_name": "Dock",
        "shipping-last_name": "Worker",
        "shipping-street": "9 Harbour Rd",
        "shipping-city": "Portland",
        "shipping-postal_code": "97201",
        "shipping-region": "OR",
        "shipping-country": "US",
        "shipping_method_id": str(catalog["shipping"].id),
        "discounts-0-value": "10",
        "discounts-0-type": "percent",
        "discounts-0-description": "Launch",
        "po_number": "PO-FORM-1",
        "ship_until": "2030-06-30",
        "customer_notes": "Call before delivery",
        "payment_term_id": str(catalog["term"].id),
        "payment_method": "wire",
    }
    form.update(overrides)
    return form


def _edit_form(order: Order, **overrides: Any) -> dict[str, Any]:
    """What the edit form posts for an order, unchanged, at its current version."""
    form: dict[str, Any] = {
        "customer_id": str(order.customer_id),
        "customer_user_id": str(order.customer_user_id or ""),
        "currency": order.currency,
        "billing-choice": f"c{order.billing_address.customer_address_id}",
        "shipping-choice": f"c{order.shipping_address.customer_address_id}",
        "shipping_method_id": str(order.shipping_method_id or ""),
        "po_number": order.po_number or "",
        "ship_until": str(order.ship_until or ""),
        "payment_term_id": str(order.payment_term_id or ""),
        "version": str(order.version),
    }
    for i, line in enumerate(order.line_items):
        form.update(
            {
                f"lines-{i}-line_id": str(line.id),
                f"lines-{i}-product_id": str(line.product_id),
                f"lines-{i}-quantity": str(line.quantity.normalize()),
                f"lines-{i}-unit": line.unit,
                f"lines-{i}-unit_price": str(line.unit_price.quantize(D("0.01"))),
            }
        )
    form.update(overrides)
    return form


@pytest.fixture
def order(catalog, users) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


def _snapshot(order_id: int) -> tuple[Any, ...]:
    db.session.rollback()
    db.session.expire_all()
    stored = db.session.get(Order, order_id)
    return (
        stored.version,
        stored.po_number,
        stored.internal_status,
        stored.total,
        stored.subtotal,
        stored.billing_address_id,
        stored.shipping_address_id,
        [(li.id, li.quantity, li.unit_price) for li in stored.line_items],
    )


# --- Create Order: the page ------------------------------------------------------------------


def test_the_create_order_page_opens_for_sales(login_as, catalog):
    client = login_as("sales")
    response = client.get("/admin/orders/new/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Create Order" in page
    assert 'name="lines-0-product_id"' in page


def test_the_create_order_page_is_refused_to_a_viewer(login_as, catalog):
    client = login_as("viewer")
    response = client.get("/admin/orders/new/")
    assert response.status_code == 302
    assert "You do not have permission to create orders." in flashed_messages(client)


def test_create_order_from_a_customer_prefills_it(login_as, catalog):
    # Given Acme; when Create Order is opened from its page
    client = login_as("sales")
    customer = catalog["customer"]
    page = client.get(f"/admin/orders/new/?customer_id={customer.id}").get_data(as_text=True)

    # Then the customer is chosen and its users are offered
    assert f'<input id="customer_id" name="customer_id" type="hidden" value="{customer.id}">' in page
    assert 'id="customer_label" name="customer_label"' in page
    assert 'value="Acme Industrial"' in page
    assert f'<option value="{catalog["buyer"].id}">Bea Buyer &lt;buyer@acme.example&gt;' in page


def test_create_order_from_a_customer_user_prefills_both(login_as, catalog):
    client = login_as("sales")
    buyer = catalog["buyer"]
    page = client.get(f"/admin/orders/new/?customer_user_id={buyer.id}").get_data(as_text=True)
    assert (
        f'<input id="customer_id" name="customer_id" type="hidden" value="{catalog["customer"].id}">' in page
    )
    assert f'<option selected value="{buyer.id}">' in page


def test_create_order_from_an_unknown_customer_is_a_404(login_as, catalog):
    client = login_as("sales")
    assert client.get("/admin/orders/new/?customer_id=999999").status_code == 404


# --- Create Order: saving --------------------------------------------------------------------


def test_posting_the_form_creates_the_order_and_shows_it(login_as, catalog, users):
    # Given the complete form of a sales user
    client = login_as("sales")

    # When it is posted
    response = client.post("/admin/orders/new/", data=_create_form(catalog))

    # Then the order exists and the user lands on its page with the saved message
    orders = _orders()
    assert len(orders) == 1
    created = orders[0]
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/orders/details/?id={created.id}")
    assert "Order has been saved" in flashed_messages(client)
    # with totals: subtotal 45.50, 10% = 4.55 off, shipping 10.00, tax 10% of 40.95 = 4.10
    assert created.subtotal == D("45.50")
    assert created.special_discounts_total == D("4.55")
    assert created.shipping_cost == D("10.00")
    assert created.tax_total == D("4.10")
    assert created.total == D("55.05")
    # and what was typed and chosen
    assert [(li.product_sku, li.quantity, li.unit_price) for li in created.line_items] == [
        ("WID-1", D("2"), D("10.00")),
        ("GAD-2", D("1"), D("25.50")),
    ]
    assert created.billing_address.customer_address_id == catalog["address"].id
    assert created.billing_address.street == "1 Main St"
    assert created.shipping_address.customer_address_id is None
    assert created.shipping_address.street == "9 Harbour Rd"
    assert [(d.type, d.value, d.description) for d in created.special_discounts] == [
        ("percent", D("10"), "Launch")
    ]
    assert (created.po_number, str(created.ship_until), created.customer_notes) == (
        "PO-FORM-1",
        "2030-06-30",
        "Call before delivery",
    )
    assert (created.payment_method, created.payment_term_id) == ("wire", catalog["term"].id)
    assert created.owner_id == users["sales"].id and created.created_by_id == users["sales"].id
    assert created.internal_status == "open"


def test_a_free_form_line_is_created_from_the_form(login_as, catalog):
    client = login_as("sales")
    form = _create_form(
        catalog,
        **{
            "lines-1-product_id": "",
            "lines-1-free_form": "y",
            "lines-1-free_form_sku": "CUST-1",
            "lines-1-free_form_name": "Custom part",
            "lines-1-unit_price": "3.00",
            "lines-1-quantity": "4",
        },
    )
    client.post("/admin/orders/new/", data=form)
    (created,) = _orders()
    assert [(li.product_sku, li.product_name, li.free_form, li.unit_price) for li in created.line_items][
        1
    ] == ("CUST-1", "Custom part", True, D("3.00"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lines-0-quantity": "0"}, "Line 1: the quantity should be greater than 0."),
        ({"lines-0-product_id": "999999"}, "Line 1: please choose Product."),
        ({"lines-0-unit_price": "9.999"}, "Line 1: price: USD amounts allow at most 2 decimal"),
        ({"customer_id": ""}, "Customer: this value should not be blank."),
        (
            {"discounts-0-value": "60", "discounts-0-type": "amount"},
            "The sum of all discounts cannot exceed the order subtotal",
        ),
        ({"ship_until": "31/12/2030"}, "Ship Until: this value is not a valid date."),
    ],
    ids=["quantity-0", "unknown-product", "three-decimals", "no-customer", "discount-too-large", "bad-date"],
)
def test_a_form_with_an_error_is_shown_again_with_the_input_kept(login_as, catalog, overrides, message):
    # Given a form with one mistake and a PO number typed in
    client = login_as("sales")
    form = _create_form(catalog, po_number="PO-KEEP-ME", **overrides)

    # When it is posted
    response = client.post("/admin/orders/new/", data=form)

    # Then the form is shown again with the message and what the user typed
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert 'value="PO-KEEP-ME"' in page
    assert 'value="9 Harbour Rd"' in page
    # and nothing was created
    assert _count(Order) == 0
    assert _count(OrderLineItem) == 0


def test_posting_create_as_a_viewer_creates_nothing(login_as, catalog):
    client = login_as("viewer")
    response = client.post("/admin/orders/new/", data=_create_form(catalog))
    assert response.status_code == 302
    assert _count(Order) == 0


# --- Edit Order ------------------------------------------------------------------------------


def test_the_edit_page_opens_for_an_open_order_with_its_values(login_as, order):
    client = login_as("sales")
    response = client.get(f"/admin/orders/edit/?id={order.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f"Edit Order #{order.identifier}" in page
    assert 'value="PO-1001"' in page
    assert f'value="{order.version}"' in page
    assert f'value="{order.line_items[0].id}"' in page


def test_the_edit_page_of_a_cancelled_order_redirects_with_a_message(login_as, cancelled_order):
    # Given a cancelled order
    client = login_as("sales")

    # When its edit page is opened; then the user is sent to the order page with the reason
    response = client.get(f"/admin/orders/edit/?id={cancelled_order.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/orders/details/?id={cancelled_order.id}")
    assert (
        f"Order {cancelled_order.identifier} cannot be edited because it is cancelled."
        in flashed_messages(client)
    )


def test_the_edit_page_is_refused_to_a_viewer(login_as, order):
    client = login_as("viewer")
    response = client.get(f"/admin/orders/edit/?id={order.id}")
    assert response.status_code == 302
    assert "You do not have permission to edit orders." in flashed_messages(client)


def test_saving_the_edit_form_at_the_current_version_saves(login_as, order):
    # Given the edit form with the widgets raised to 5 and a new PO number
    client = login_as("sales")
    form = _edit_form(order, **{"lines-0-quantity": "5", "po_number": "PO-EDITED"})
    version = order.version

    # When it is posted
    response = client.post(f"/admin/orders/edit/?id={order.id}", data=form)

    # Then the order is saved, totals recomputed, version moved on
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/orders/details/?id={order.id}")
    assert "Order has been saved" in flashed_messages(client)
    (stored,) = _orders()
    assert stored.po_number == "PO-EDITED"
    assert stored.line_items[0].quantity == D("5")
    assert stored.total == D("93.05")  # 50 + 25.50 + 10 shipping + 7.55 tax
    assert stored.version == version + 1
    assert stored.billing_address_id == order.billing_address_id


def test_saving_the_edit_form_with_an_old_version_is_refused(login_as, order):
    # Given someone saved the order after this form was opened
    client = login_as("sales")
    old_form = _edit_form(order, po_number="PO-LATE")
    first = client.post(f"/admin/orders/edit/?id={order.id}", data=_edit_form(order, po_number="PO-FIRST"))
    assert first.status_code == 302
    before = _snapshot(order.id)

    # When the old form is posted
    response = client.post(f"/admin/orders/edit/?id={order.id}", data=old_form)

    # Then it is refused with the stale message, the input kept, and nothing changes
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert STALE in page
    assert 'value="PO-LATE"' in page
    assert _snapshot(order.id) == before
    assert _snapshot(order.id)[1] == "PO-FIRST"


def test_an_edit_posted_to_a_closed_order_is_refused(login_as, closed_order):
    # Given a closed order
    before = _snapshot(closed_order.id)
    client = login_as("manager")

    # When an edit is crafted and posted to its edit URL
    response = client.post(
        f"/admin/orders/edit/?id={closed_order.id}", data=_edit_form(closed_order, po_number="PO-SNEAKY")
    )

    # Then it is refused with the reason and nothing changes
    assert response.status_code == 302
    assert f"Order {closed_order.identifier} cannot be edited because it is closed." in flashed_messages(
        client
    )
    assert _snapshot(closed_order.id) == before


def test_an_edit_posted_by_a_viewer_changes_nothing(login_as, order):
    before = _snapshot(order.id)
    client = login_as("viewer")
    response = client.post(
        f"/admin/orders/edit/?id={order.id}", data=_edit_form(order, po_number="PO-VIEWER")
    )
    assert response.status_code == 302
    assert _snapshot(order.id) == before


def test_an_edit_that_changes_the_currency_is_refused(login_as, order):
    before = _snapshot(order.id)
    client = login_as("sales")
    response = client.post(f"/admin/orders/edit/?id={order.id}", data=_edit_form(order, currency="EUR"))
    assert response.status_code == 200
    assert "Currency cannot be changed after the order is created." in response.get_data(as_text=True)
    assert _snapshot(order.id) == before


def test_the_edit_page_of_an_unknown_order_is_a_404(login_as, catalog):
    client = login_as("sales")
    assert client.get("/admin/orders/edit/?id=999999").status_code == 404


# --- Lookups ---------------------------------------------------------------------------------


def test_the_customer_lookup_finds_customers_by_name_prefix(login_as, catalog):
    client = login_as("sales")
    assert client.get("/admin/orders/lookup/customers?q=acm").get_json() == [
        {"id": catalog["customer"].id, "label": "Acme Industrial"}
    ]
    assert client.get("/admin/orders/lookup/customers?q=zzz").get_json() == []
    assert client.get("/admin/orders/lookup/customers?q=").get_json() == []


def test_the_customer_lookup_treats_wildcards_literally(login_as, catalog):
    client = login_as("sales")
    assert client.get("/admin/orders/lookup/customers?q=%25").get_json() == []
    assert client.get("/admin/orders/lookup/customers?q=_cme").get_json() == []


def test_the_customer_details_lookup_lists_users_and_addresses(login_as, catalog):
    client = login_as("sales")
    customer, buyer, address = catalog["customer"], catalog["buyer"], catalog["address"]
    data = client.get(f"/admin/orders/lookup/customer/{customer.id}").get_json()
    assert data["id"] == customer.id
    assert data["label"] == "Acme Industrial"
    assert data["payment_term_id"] == catalog["term"].id
    assert [u["id"] for u in data["users"]] == [buyer.id]
    assert "buyer@acme.example" in data["users"][0]["label"]
    assert [a["value"] for a in data["addresses"]] == [f"c{address.id}"]
    assert data["addresses"][0]["default_billing"] is True
    assert data["user_addresses"] == {str(buyer.id): []}
    assert client.get("/admin/orders/lookup/customer/999999").status_code == 404


def test_the_product_lookup_gives_the_price_in_the_currency(login_as, catalog):
    client = login_as("sales")
    usd = client.get("/admin/orders/lookup/products?q=wid&currency=USD").get_json()
    assert usd == [
        {
            "id": catalog["widget"].id,
            "label": "WID-1 — Widget",
            "sku": "WID-1",
            "unit": "item",
            "price": "10.00",
        }
    ]
    # by name too; and a product without a price in that currency has none
    eur = client.get("/admin/orders/lookup/products?q=gadget&currency=EUR").get_json()
    assert [(p["sku"], p["price"]) for p in eur] == [("GAD-2", None)]
    assert client.get("/admin/orders/lookup/products?q=wid&currency=XXX").get_json() == []


def test_the_price_lookup_gives_one_products_price(login_as, catalog):
    client = login_as("sales")
    widget = catalog["widget"]
    data = client.get(f"/admin/orders/lookup/price?product_id={widget.id}&currency=EUR").get_json()
    assert (data["id"], data["price"]) == (widget.id, "9.00")
    assert client.get("/admin/orders/lookup/price?product_id=999999&currency=USD").status_code == 404


def test_the_shipping_lookup_lists_methods_with_their_cost(login_as, catalog):
    client = login_as("sales")
    response = client.post(
        "/admin/orders/lookup/shipping", json={"currency": "USD", "quantities": ["2", "1"]}
    )
    assert response.status_code == 200
    assert response.get_json() == [
        {"id": catalog["shipping"].id, "name": "Flat Rate", "cost": "10.00", "label": "Flat Rate: $10.00"}
    ]
    # no method ships in a currency it has no price for
    assert (
        client.post("/admin/orders/lookup/shipping", json={"currency": "EUR", "quantities": ["1"]}).get_json()
        == []
    )


def test_the_shipping_lookup_ignores_quantities_that_are_not_numbers(login_as, catalog):
    client = login_as("sales")
    response = client.post(
        "/admin/orders/lookup/shipping", json={"currency": "USD", "quantities": ["x", None, "-1", "NaN"]}
    )
    assert response.status_code == 200
    assert [m["cost"] for m in response.get_json()] == ["10.00"]


@pytest.mark.parametrize(
    "url",
    [
        "/admin/orders/lookup/customers?q=acm",
        "/admin/orders/lookup/customer/{customer}",
        "/admin/orders/lookup/products?q=wid&currency=USD",
        "/admin/orders/lookup/price?product_id={widget}&currency=USD",
        "/admin/orders/lookup/payment_terms",
    ],
)
def test_a_viewer_gets_403_from_the_lookups(login_as, catalog, url):
    client = login_as("viewer")
    response = client.get(url.format(customer=catalog["customer"].id, widget=catalog["widget"].id))
    assert response.status_code == 403


def test_a_viewer_gets_403_from_the_shipping_lookup(login_as, catalog):
    client = login_as("viewer")
    response = client.post("/admin/orders/lookup/shipping", json={"currency": "USD", "quantities": ["1"]})
    assert response.status_code == 403


def test_the_lookups_need_a_login(client, catalog):
    response = client.get("/admin/orders/lookup/customers?q=acm")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- Inline creation -------------------------------------------------------------------------


def test_a_customer_is_created_inline(login_as, catalog, users):
    client = login_as("sales")
    response = client.post("/admin/orders/inline/customer", data={"name": " Globex "})
    assert response.status_code == 200
    data = response.get_json()
    assert data["label"] == "Globex"
    db.session.rollback()
    stored = db.session.get(Customer, data["id"])
    assert stored.name == "Globex" and stored.owner_id == users["sales"].id


def test_an_inline_customer_with_a_blank_name_is_a_400_with_a_message(login_as, catalog):
    client = login_as("sales")
    response = client.post("/admin/orders/inline/customer", data={"name": "   "})
    assert response.status_code == 400
    assert response.get_json() == {"error": "Customer name: this value should not be blank."}
    assert _count(Customer) == 1


def test_a_customer_user_is_created_inline(login_as, catalog):
    client = login_as("sales")
    customer = catalog["customer"]
    response = client.post(
        "/admin/orders/inline/customer_user",
        data={
            "customer_id": str(customer.id),
            "email": "Wile@Acme.Example",
            "first_name": "Wile",
            "last_name": "Coyote",
        },
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["label"] == "Wile Coyote <wile@acme.example>"
    db.session.rollback()
    assert db.session.get(CustomerUser, data["id"]).customer_id == customer.id


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"email": "BUYER@acme.example", "first_name": "B", "last_name": "B"},
            "Customer user email: a customer user with this email already exists.",
        ),
        (
            {"email": "not-an-email", "first_name": "B", "last_name": "B"},
            "Customer user email: this value is not a valid email address.",
        ),
        (
            {"email": "new@acme.example", "first_name": "", "last_name": "B"},
            "Customer user: first and last name are required.",
        ),
    ],
    ids=["duplicate-email", "invalid-email", "no-first-name"],
)
def test_an_inline_customer_user_with_an_error_is_a_400_with_a_message(login_as, catalog, form, message):
    client = login_as("sales")
    response = client.post(
        "/admin/orders/inline/customer_user", data={"customer_id": str(catalog["customer"].id), **form}
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": message}
    assert _count(CustomerUser) == 1


def test_an_inline_customer_user_without_a_customer_is_a_400(login_as, catalog):
    client = login_as("sales")
    response = client.post(
        "/admin/orders/inline/customer_user",
        data={"email": "x@acme.example", "first_name": "X", "last_name": "Y"},
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": "Choose a customer first."}


@pytest.mark.parametrize("path", ["/admin/orders/inline/customer", "/admin/orders/inline/customer_user"])
def test_a_viewer_cannot_create_inline(login_as, catalog, path):
    client = login_as("viewer")
    response = client.post(
        path,
        data={
            "name": "Globex",
            "customer_id": "1",
            "email": "x@y.example",
            "first_name": "X",
            "last_name": "Y",
        },
    )
    # Then nothing is created, and the JSON caller gets a 403 (not a redirect to an HTML page)
    assert _count(Customer) == 1
    assert _count(CustomerUser) == 1
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("po_number", "P" * 10_000, "PO Number: at most 255 characters."),
        ("customer_notes", "n" * 2_000_000, "Customer Notes: at most 20,000 characters."),
        ("shipping-street", "S" * 600, "Street: at most 500 characters."),
        ("lines-0-quantity", "1e30", "Line 1: quantity: the value must be less than 1,000,000."),
        ("overridden_shipping_cost", "1e30", "Shipping cost: the value must be less than 1,000,000,000."),
    ],
)
def test_an_oversized_input_is_refused_with_its_field_and_nothing_is_saved(
    login_as, catalog, field, value, message
):
    client = login_as("sales")
    response = client.post("/admin/orders/new/", data=_create_form(catalog, **{field: value}))
    assert response.status_code == 200
    assert message in html.unescape(response.get_data(as_text=True))
    assert _count(Order) == 0
