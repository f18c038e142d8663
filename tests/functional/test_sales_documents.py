"""Sales > Shopping Lists and Sales > Requests for Quote through the admin (SPEC §1, §5)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from actions.sources import create_order_from_rfq, create_order_from_shopping_list
from models import (
    Customer,
    CustomerUser,
    RequestForQuote,
    RequestProduct,
    RequestProductItem,
    ShoppingList,
    ShoppingListLine,
    db,
)

D = Decimal


def _field_names(html: str) -> set[str]:
    """Input names in a page, including those in (escaped) inline-form templates."""
    return set(re.findall(r'name=(?:"|&(?:amp;)*#34;)([\w-]+)', html))


def _shopping_list(catalog) -> ShoppingList:
    shopping_list = ShoppingList(
        label="Spring restock",
        customer=catalog["customer"],
        customer_user=catalog["buyer"],
        currency="USD",
        notes="Back door",
        lines=[ShoppingListLine(product=catalog["widget"], quantity=D("3"), unit="item", notes="blue ones")],
    )
    db.session.add(shopping_list)
    db.session.commit()
    return shopping_list


def _rfq(catalog) -> RequestForQuote:
    rfq = RequestForQuote(
        customer=catalog["customer"],
        customer_user=catalog["buyer"],
        po_number="PO-RFQ-1",
        ship_until=date(2031, 1, 1),
        note="Quote soon",
        status="more_info_requested",
        requested_products=[
            RequestProduct(
                product=catalog["gadget"],
                comment="urgent",
                items=[
                    RequestProductItem(quantity=D("5"), unit="item", target_price=D("20.00"), currency="USD")
                ],
            )
        ],
    )
    db.session.add(rfq)
    db.session.commit()
    return rfq


# --- shopping lists -----------------------------------------------------------------------


def test_the_shopping_list_grid_lists_label_customer_user_currency(login_as, catalog):
    _shopping_list(catalog)
    client = login_as("viewer")

    response = client.get("/admin/shopping_lists/")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in ("Spring restock", "Acme Industrial", "Bea Buyer", "USD", "Created At"):
        assert text in page


def test_the_create_form_offers_inline_line_fields(login_as, catalog):
    client = login_as("sales")

    page = client.get("/admin/shopping_lists/new/").get_data(as_text=True)

    names = _field_names(page)
    assert {"label", "customer", "customer_user", "currency", "notes"} <= names
    assert {"product", "quantity", "unit", "notes"} <= names  # the inline line template
    assert "Add Lines" in page or "Add Line" in page


def test_sales_creates_a_shopping_list_with_lines_through_the_admin(login_as, catalog):
    client = login_as("sales")

    # When the form is posted with two inline lines
    response = client.post(
        "/admin/shopping_lists/new/",
        data={
            "label": "Autumn order",
            "customer": str(catalog["customer"].id),
            "customer_user": str(catalog["buyer"].id),
            "currency": "EUR",
            "notes": "Call first",
            "lines-0-product": str(catalog["widget"].id),
            "lines-0-quantity": "4",
            "lines-0-unit": "item",
            "lines-0-notes": "red",
            "lines-1-product": str(catalog["gadget"].id),
            "lines-1-quantity": "1",
            "lines-1-unit": "item",
        },
    )

    # Then it is saved with its lines
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.scalars(select(ShoppingList)).one()
    assert (saved.label, saved.customer_id, saved.customer_user_id, saved.currency, saved.notes) == (
        "Autumn order",
        catalog["customer"].id,
        catalog["buyer"].id,
        "EUR",
        "Call first",
    )
    assert [(li.product.sku, li.quantity, li.unit, li.notes) for li in saved.lines] == [
        ("WID-1", D("4"), "item", "red"),
        ("GAD-2", D("1"), "item", None),
    ]


def test_a_shopping_list_line_of_zero_is_refused_with_a_message(login_as, catalog):
    client = login_as("sales")

    response = client.post(
        "/admin/shopping_lists/new/",
        data={
            "label": "Bad",
            "customer": str(catalog["customer"].id),
            "currency": "USD",
            "lines-0-product": str(catalog["widget"].id),
            "lines-0-quantity": "0",
            "lines-0-unit": "item",
        },
        follow_redirects=True,
    )

    assert "Line 1: the quantity should be greater than 0." in response.get_data(as_text=True)
    assert db.session.scalars(select(ShoppingList)).all() == []


def test_a_customer_user_of_another_customer_is_refused(login_as, catalog):
    other = Customer(name="Other Co")
    stranger = CustomerUser(customer=other, email="s@other.example", first_name="Sam", last_name="Stranger")
    db.session.add_all([other, stranger])
    db.session.commit()
    client = login_as("sales")

    response = client.post(
        "/admin/shopping_lists/new/",
        data={
            "label": "Mixed",
            "customer": str(catalog["customer"].id),
            "customer_user": str(stranger.id),
            "currency": "USD",
        },
        follow_redirects=True,
    )

    assert "the customer user must belong to the customer" in response.get_data(as_text=True)
    assert db.session.scalars(select(ShoppingList)).all() == []


def test_a_viewer_cannot_create_a_shopping_list(login_as, catalog):
    client = login_as("viewer")

    response = client.post(
        "/admin/shopping_lists/new/",
        data={"label": "Nope", "customer": str(catalog["customer"].id), "currency": "USD"},
    )

    assert response.status_code == 302
    assert db.session.scalars(select(ShoppingList)).all() == []


def test_the_product_picker_searches_products_by_sku(login_as, catalog):
    client = login_as("sales")

    response = client.get(
        "/admin/shopping_lists/ajax/lookup/",
        query_string={"name": "shoppinglistline-product", "query": "WID"},
    )

    assert response.status_code == 200
    assert [row[0] for row in response.get_json()] == [catalog["widget"].id]


@pytest.mark.parametrize("role, offered", [("sales", True), ("viewer", False)])
def test_the_shopping_list_page_shows_lines_and_create_order_only_to_creators(
    login_as, catalog, role, offered
):
    shopping_list = _shopping_list(catalog)
    client = login_as(role)

    page = client.get(f"/admin/shopping_lists/details/?id={shopping_list.id}").get_data(as_text=True)

    assert "WID-1" in page and "blue ones" in page and "Back door" in page
    assert "Sales Orders" in page
    link = f"/admin/orders/new/?shopping_list_id={shopping_list.id}"
    assert (link in page) is offered
    assert ("Create Order" in page) is offered


def test_the_shopping_list_page_lists_the_orders_made_from_it(login_as, catalog, users):
    # Given an order made from the shopping list, and one made from scratch
    shopping_list = _shopping_list(catalog)
    order = create_order_from_shopping_list(db.session, shopping_list, actor=users["sales"])
    db.session.commit()
    client = login_as("viewer")

    # When its page is opened
    page = client.get(f"/admin/shopping_lists/details/?id={shopping_list.id}").get_data(as_text=True)

    # Then the order is listed with a link, status and total
    assert f'href="/admin/orders/details/?id={order.id}"' in page
    assert order.identifier in page
    assert "Open" in page
    assert "$33.00" in page  # 3 × $10.00 + 10% US tax
    assert "No orders made from this shopping list yet." not in page
    assert "All 1 orders" not in page and 'id="all-orders"' not in page


def test_a_shopping_list_without_orders_says_so_plainly(login_as, catalog):
    shopping_list = _shopping_list(catalog)

    page = (
        login_as("viewer").get(f"/admin/shopping_lists/details/?id={shopping_list.id}").get_data(as_text=True)
    )

    assert "No orders made from this shopping list yet." in page
    assert 'class="sales-order"' not in page


@pytest.mark.parametrize("document", ["shopping_list", "rfq"])
def test_a_document_page_lists_its_newest_20_orders_and_links_to_all_of_them(
    login_as, catalog, users, document
):
    # Given 21 orders made from a shopping list (or an RFQ)
    if document == "shopping_list":
        source = _shopping_list(catalog)
        made = [create_order_from_shopping_list(db.session, source, actor=users["sales"]) for _ in range(21)]
        page_url, filter_name = f"/admin/shopping_lists/details/?id={source.id}", "shopping_list_id_equals"
    else:
        source = _rfq(catalog)
        made = [
            create_order_from_rfq(db.session, source, actor=users["sales"], default_currency="USD")
            for _ in range(21)
        ]
        page_url, filter_name = f"/admin/rfqs/details/?id={source.id}", "rfq_id_equals"
    db.session.commit()
    client = login_as("viewer")

    # When its page is opened
    page = client.get(page_url).get_data(as_text=True)

    # Then the newest 20 are listed, not the first one made, with a link to all 21 in the grid
    assert page.count('class="sales-order"') == 20
    assert f'href="/admin/orders/details/?id={made[-1].id}"' in page
    assert f'href="/admin/orders/details/?id={made[0].id}"' not in page
    all_url = f"/admin/orders/?flt1_{filter_name}={source.id}"
    assert f'href="{all_url}">All 21 orders</a>' in page
    # And the grid that link opens holds the 21 orders
    grid = client.get(all_url).get_data(as_text=True)
    shown = set(re.findall(r'<a href="/admin/orders/details/\?id=(\d+)">SO-', grid))
    assert shown == {str(order.id) for order in made}


def test_an_unknown_shopping_list_is_not_an_error(login_as):
    client = login_as("viewer")

    response = client.get("/admin/shopping_lists/details/?id=999")

    assert response.status_code == 302  # Flask-Admin: "Record does not exist." and back to the list


# --- RFQs ---------------------------------------------------------------------------------


def test_the_rfq_grid_and_page_show_the_request(login_as, catalog):
    rfq = _rfq(catalog)
    client = login_as("sales")

    grid = client.get("/admin/rfqs/").get_data(as_text=True)
    page = client.get(f"/admin/rfqs/details/?id={rfq.id}").get_data(as_text=True)

    assert "PO-RFQ-1" in grid and "More Info Requested" in grid
    assert f"RFQ #{rfq.id}" in page
    assert "GAD-2" in page and "urgent" in page and "$20.00" in page
    assert f"/admin/orders/new/?rfq_id={rfq.id}" in page
    assert "No orders made from this RFQ yet." in page


def test_sales_creates_an_rfq_with_nested_requested_items(login_as, catalog):
    client = login_as("sales")
    names = _field_names(client.get("/admin/rfqs/new/").get_data(as_text=True))
    assert {"product", "comment", "quantity", "unit", "target_price", "currency"} <= names

    response = client.post(
        "/admin/rfqs/new/",
        data={
            "customer": str(catalog["customer"].id),
            "customer_user": str(catalog["buyer"].id),
            "first_name": "Bea",
            "last_name": "Buyer",
            "email": "buyer@acme.example",
            "po_number": "PO-NEW",
            "ship_until": "2031-05-01",
            "note": "Asap",
            "status": "open",
            "requested_products-0-product": str(catalog["widget"].id),
            "requested_products-0-comment": "matte",
            "requested_products-0-items-0-quantity": "10",
            "requested_products-0-items-0-unit": "item",
            "requested_products-0-items-0-target_price": "8.50",
            "requested_products-0-items-0-currency": "USD",
            "requested_products-0-items-1-quantity": "50",
            "requested_products-0-items-1-unit": "item",
            "requested_products-0-items-1-currency": "USD",
        },
    )

    assert response.status_code == 302
    db.session.expire_all()
    rfq = db.session.scalars(select(RequestForQuote)).one()
    assert (rfq.po_number, rfq.ship_until, rfq.note, rfq.status) == (
        "PO-NEW",
        date(2031, 5, 1),
        "Asap",
        "open",
    )
    (requested,) = rfq.requested_products
    assert (requested.product_sku, requested.comment) == ("WID-1", "matte")
    assert [(i.quantity, i.unit, i.target_price, i.currency) for i in requested.items] == [
        (D("10"), "item", D("8.50"), "USD"),
        (D("50"), "item", None, "USD"),
    ]


def test_editing_an_rfq_changes_a_nested_item(login_as, catalog):
    rfq = _rfq(catalog)
    item = rfq.requested_products[0].items[0]
    client = login_as("sales")
    form = client.get(f"/admin/rfqs/edit/?id={rfq.id}").get_data(as_text=True)
    assert 'name="requested_products-0-items-0-quantity"' in form

    response = client.post(
        f"/admin/rfqs/edit/?id={rfq.id}",
        data={
            "customer": str(catalog["customer"].id),
            "status": "processed",
            "requested_products-0-id": str(rfq.requested_products[0].id),
            "requested_products-0-product": str(catalog["gadget"].id),
            "requested_products-0-comment": "urgent",
            "requested_products-0-items-0-id": str(item.id),
            "requested_products-0-items-0-quantity": "7",
            "requested_products-0-items-0-unit": "item",
            "requested_products-0-items-0-target_price": "19.00",
            "requested_products-0-items-0-currency": "USD",
        },
    )

    assert response.status_code == 302
    db.session.expire_all()
    item = db.session.get(RequestProductItem, item.id)
    assert (item.quantity, item.target_price) == (D("7"), D("19.00"))
    assert db.session.get(RequestForQuote, rfq.id).status == "processed"


def test_the_rfq_page_lists_its_orders_and_hides_create_order_from_viewers(login_as, catalog, users):
    rfq = _rfq(catalog)
    order = create_order_from_rfq(db.session, rfq, actor=users["sales"], default_currency="USD")
    db.session.commit()
    client = login_as("viewer")

    page = client.get(f"/admin/rfqs/details/?id={rfq.id}").get_data(as_text=True)

    assert f'href="/admin/orders/details/?id={order.id}"' in page
    assert "Create Order" not in page
    assert db.session.get(RequestForQuote, rfq.id).status == "more_info_requested"
