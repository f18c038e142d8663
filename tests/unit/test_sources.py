"""Orders from shopping lists and RFQs (SPEC §5): what is copied, and the source stays as it is."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import inspect

from actions.errors import ValidationFailed
from actions.sources import (
    check_rfq,
    check_shopping_list,
    count_orders_from_source,
    create_order_from_rfq,
    create_order_from_shopping_list,
    order_data_from_rfq,
    order_data_from_shopping_list,
    orders_from_source,
)
from models import (
    Customer,
    CustomerUser,
    CustomerUserAddress,
    Order,
    Product,
    RequestForQuote,
    RequestProduct,
    RequestProductItem,
    ShoppingList,
    ShoppingListLine,
)

D = Decimal


def _shopping_list(session, catalog, **overrides: Any) -> ShoppingList:
    values: dict[str, Any] = {
        "label": "Spring restock",
        "customer": catalog["customer"],
        "customer_user": catalog["buyer"],
        "currency": "EUR",
        "notes": "Deliver to the back door",
        "lines": [
            ShoppingListLine(product=catalog["widget"], quantity=D("3"), unit="item", notes="the blue ones")
        ],
    }
    values.update(overrides)
    shopping_list = ShoppingList(**values)
    session.add(shopping_list)
    session.commit()
    return shopping_list


def _rfq(session, catalog, **overrides: Any) -> RequestForQuote:
    values: dict[str, Any] = {
        "customer": catalog["customer"],
        "customer_user": catalog["buyer"],
        "first_name": "Bea",
        "last_name": "Buyer",
        "email": "buyer@acme.example",
        "phone": "555-0100",
        "company": "Acme Industrial",
        "po_number": "PO-RFQ-7",
        "ship_until": date(2031, 3, 15),
        "note": "Quote by Friday please",
        "requested_products": [
            RequestProduct(
                product=catalog["widget"],
                comment="matte finish",
                items=[
                    RequestProductItem(quantity=D("10"), unit="item", target_price=D("8.50"), currency="USD"),
                    RequestProductItem(quantity=D("50"), unit="item", target_price=D("7.00"), currency="USD"),
                ],
            ),
            RequestProduct(
                product=catalog["gadget"],
                comment=None,
                items=[
                    RequestProductItem(quantity=D("2"), unit="item", target_price=None, currency="USD"),
                ],
            ),
        ],
    }
    values.update(overrides)
    rfq = RequestForQuote(**values)
    session.add(rfq)
    session.commit()
    return rfq


def _columns(obj: Any) -> dict[str, Any]:
    return {a.key: getattr(obj, a.key) for a in inspect(obj).mapper.column_attrs}


def _shopping_list_snapshot(session, list_id: int) -> dict[str, Any]:
    session.expire_all()
    shopping_list = session.get(ShoppingList, list_id)
    return {"list": _columns(shopping_list), "lines": [_columns(line) for line in shopping_list.lines]}


def _rfq_snapshot(session, rfq_id: int) -> dict[str, Any]:
    session.expire_all()
    rfq = session.get(RequestForQuote, rfq_id)
    return {
        "rfq": _columns(rfq),
        "products": [_columns(p) for p in rfq.requested_products],
        "items": [_columns(i) for p in rfq.requested_products for i in p.items],
    }


# --- shopping lists -----------------------------------------------------------------------


def test_a_shopping_list_prefills_customer_currency_notes_lines_and_source(session, catalog):
    # Given a EUR shopping list of 3 widgets for the buyer
    shopping_list = _shopping_list(session, catalog)

    # When the new-order data is built from it
    data = order_data_from_shopping_list(session, shopping_list)

    # Then the header, the line and the link back are copied, prices left to the price list
    assert data.customer_id == catalog["customer"].id
    assert data.customer_user_id == catalog["buyer"].id
    assert data.currency == "EUR"
    assert data.customer_notes == "Deliver to the back door"
    assert len(data.lines) == 1
    line = data.lines[0]
    assert (line.product_id, line.quantity, line.unit, line.notes) == (
        catalog["widget"].id,
        D("3"),
        "item",
        "the blue ones",
    )
    assert line.unit_price is None
    assert (data.source_type, data.source_id, data.source_identifier) == (
        "shopping_list",
        shopping_list.id,
        "Spring restock",
    )


def test_the_customers_default_addresses_are_used_when_the_user_has_none(session, catalog):
    shopping_list = _shopping_list(session, catalog)

    data = order_data_from_shopping_list(session, shopping_list)

    address = catalog["address"]
    for chosen in (data.billing_address, data.shipping_address):
        assert chosen is not None
        assert chosen.customer_address_id == address.id
        assert chosen.customer_user_address_id is None
        assert (chosen.street, chosen.city, chosen.country) == ("1 Main St", "Springfield", "US")


def test_the_customer_users_default_address_wins_over_the_customers(session, catalog):
    # Given the buyer has their own default billing address (but no default shipping one)
    own = CustomerUserAddress(
        customer_user=catalog["buyer"],
        first_name="Bea",
        last_name="Buyer",
        street="9 Home Rd",
        city="Shelbyville",
        postal_code="54321",
        country="US",
        is_default_billing=True,
        is_default_shipping=False,
    )
    session.add(own)
    shopping_list = _shopping_list(session, catalog)

    # When the order data is built
    data = order_data_from_shopping_list(session, shopping_list)

    # Then billing is the buyer's own address and shipping falls back to the customer's
    assert data.billing_address.customer_user_address_id == own.id
    assert data.billing_address.customer_address_id is None
    assert data.billing_address.street == "9 Home Rd"
    assert data.shipping_address.customer_address_id == catalog["address"].id


def test_no_address_is_prefilled_when_no_book_has_a_default(session, catalog):
    catalog["address"].is_default_billing = False
    catalog["address"].is_default_shipping = False
    shopping_list = _shopping_list(session, catalog, customer_user=None)

    data = order_data_from_shopping_list(session, shopping_list)

    assert data.customer_user_id is None
    assert data.billing_address is None and data.shipping_address is None


def test_creating_an_order_from_a_shopping_list_prices_it_and_links_back(session, catalog, users):
    # Given a EUR shopping list
    shopping_list = _shopping_list(session, catalog)
    before = _shopping_list_snapshot(session, shopping_list.id)

    # When an order is created from it
    order = create_order_from_shopping_list(session, shopping_list, actor=users["sales"])
    session.commit()

    # Then the order has the list price in EUR, the default addresses and a link back
    assert order.internal_status == "open"
    assert order.currency == "EUR"
    assert [(li.product_sku, li.quantity, li.unit_price, li.notes) for li in order.line_items] == [
        ("WID-1", D("3"), D("9.00"), "the blue ones")
    ]
    assert order.subtotal == D("27.00")
    assert order.customer_notes == "Deliver to the back door"
    assert order.billing_address.customer_address_id == catalog["address"].id
    assert order.shipping_address.street == "1 Main St"
    assert (order.source_type, order.source_id, order.source_identifier) == (
        "shopping_list",
        shopping_list.id,
        "Spring restock",
    )
    assert order.created_by == users["sales"]
    # and the shopping list is exactly as it was
    assert _shopping_list_snapshot(session, shopping_list.id) == before


def test_a_long_shopping_list_label_is_cut_to_fit_the_source_identifier(session, catalog):
    shopping_list = _shopping_list(session, catalog, label="L" * 200)

    data = order_data_from_shopping_list(session, shopping_list)

    assert data.source_identifier == "L" * 64


def test_a_shopping_list_with_a_product_without_a_price_is_refused(session, catalog, users):
    # Given a USD list holding a product that has no USD price
    bare = Product(sku="BAR-3", name="Bare", unit="item")
    session.add(bare)
    shopping_list = _shopping_list(
        session, catalog, currency="USD", lines=[ShoppingListLine(product=bare, quantity=D("1"), unit="item")]
    )

    # When an order is created from it, Then it is refused naming the product
    with pytest.raises(ValidationFailed, match="No matching price found for BAR-3"):
        create_order_from_shopping_list(session, shopping_list, actor=users["sales"])


# --- RFQs ---------------------------------------------------------------------------------


def test_an_rfq_prefills_header_lines_with_target_prices_and_source(session, catalog):
    # Given an RFQ for widgets (two requested quantities) and gadgets (no target price)
    rfq = _rfq(session, catalog)

    # When the new-order data is built from it
    data = order_data_from_rfq(session, rfq, default_currency="USD")

    # Then the header is copied
    assert data.customer_id == catalog["customer"].id
    assert data.customer_user_id == catalog["buyer"].id
    assert data.po_number == "PO-RFQ-7"
    assert data.ship_until == date(2031, 3, 15)
    assert data.customer_notes == "Quote by Friday please"
    assert data.currency == "USD"
    assert (data.source_type, data.source_id, data.source_identifier) == ("rfq", rfq.id, f"RFQ #{rfq.id}")
    # and there is one line per requested product, from its first requested item
    widget_line, gadget_line = data.lines
    assert (
        widget_line.product_id,
        widget_line.quantity,
        widget_line.unit,
        widget_line.unit_price,
        widget_line.notes,
    ) == (catalog["widget"].id, D("10"), "item", D("8.50"), "matte finish")
    assert (gadget_line.product_id, gadget_line.quantity, gadget_line.unit_price) == (
        catalog["gadget"].id,
        D("2"),
        None,
    )  # no target price: the price list fills it
    assert data.billing_address.customer_address_id == catalog["address"].id
    assert data.shipping_address.customer_address_id == catalog["address"].id


def test_an_rfqs_currency_is_that_of_its_target_prices(session, catalog):
    rfq = _rfq(
        session,
        catalog,
        requested_products=[
            RequestProduct(
                product=catalog["widget"],
                items=[
                    RequestProductItem(quantity=D("4"), unit="item", target_price=D("8.00"), currency="EUR")
                ],
            )
        ],
    )

    data = order_data_from_rfq(session, rfq, default_currency="USD")

    assert data.currency == "EUR"
    assert data.lines[0].unit_price == D("8.00")


def test_a_deleted_product_becomes_a_free_form_line_with_its_sku(session, catalog, users):
    # Given an RFQ for gadgets whose product is deleted afterwards
    rfq = _rfq(
        session,
        catalog,
        requested_products=[
            RequestProduct(
                product=catalog["gadget"],
                comment="any colour",
                items=[RequestProductItem(quantity=D("2"), unit="item", currency="USD")],
            )
        ],
    )
    session.delete(catalog["gadget"])
    session.commit()
    session.expire_all()
    assert rfq.requested_products[0].product_id is None

    # When the order data is built
    data = order_data_from_rfq(session, rfq, default_currency="USD")

    # Then the line is free-form with the SKU and name kept, at a zero price to replace
    line = data.lines[0]
    assert line.product_id is None
    assert (line.free_form_sku, line.free_form_name) == ("GAD-2", "Gadget")
    assert (line.quantity, line.unit, line.unit_price, line.notes) == (D("2"), "item", D("0"), "any colour")
    # and an order can be made from it
    order = create_order_from_rfq(session, rfq, actor=users["sales"], default_currency="USD")
    assert order.line_items[0].free_form is True
    assert order.line_items[0].product_sku == "GAD-2"


def test_a_deleted_product_keeps_its_target_price(session, catalog):
    rfq = _rfq(
        session,
        catalog,
        requested_products=[
            RequestProduct(
                product=catalog["gadget"],
                items=[
                    RequestProductItem(quantity=D("2"), unit="item", target_price=D("20.00"), currency="USD")
                ],
            )
        ],
    )
    session.delete(catalog["gadget"])
    session.commit()
    session.expire_all()

    assert order_data_from_rfq(session, rfq, default_currency="USD").lines[0].unit_price == D("20.00")


def test_creating_an_order_from_an_rfq_keeps_target_prices_and_leaves_the_rfq_alone(session, catalog, users):
    # Given an open RFQ
    rfq = _rfq(session, catalog)
    before = _rfq_snapshot(session, rfq.id)

    # When an order is created from it
    order = create_order_from_rfq(session, rfq, actor=users["sales"], default_currency="USD")
    session.commit()

    # Then the widget line keeps its target price and the gadget line takes the list price
    assert [(li.product_sku, li.quantity, li.unit_price) for li in order.line_items] == [
        ("WID-1", D("10"), D("8.50")),
        ("GAD-2", D("2"), D("25.50")),
    ]
    assert order.po_number == "PO-RFQ-7"
    assert order.ship_until == date(2031, 3, 15)
    assert order.customer_notes == "Quote by Friday please"
    assert (order.source_type, order.source_id, order.source_identifier) == ("rfq", rfq.id, f"RFQ #{rfq.id}")
    # and the RFQ keeps its status and contents
    after = _rfq_snapshot(session, rfq.id)
    assert after == before
    assert after["rfq"]["status"] == "open"


def test_an_rfq_without_requested_products_cannot_become_an_order(session, catalog, users):
    rfq = _rfq(session, catalog, requested_products=[])

    with pytest.raises(ValidationFailed, match="at least one Line Item"):
        create_order_from_rfq(session, rfq, actor=users["sales"], default_currency="USD")


def test_a_requested_product_remembers_the_product_sku_and_name(session, catalog):
    rfq = _rfq(session, catalog)

    assert [(p.product_sku, p.product_name) for p in rfq.requested_products] == [
        ("WID-1", "Widget"),
        ("GAD-2", "Gadget"),
    ]
    assert str(rfq) == f"RFQ #{rfq.id}"


# --- orders made from a document -----------------------------------------------------------


def test_orders_from_a_source_lists_only_its_orders_newest_first(session, catalog, users):
    # Given two orders from one shopping list, one from another, one from an RFQ
    first_list = _shopping_list(session, catalog)
    other_list = _shopping_list(session, catalog, label="Other")
    rfq = _rfq(session, catalog)
    older = create_order_from_shopping_list(session, first_list, actor=users["sales"])
    older.created_at = older.created_at - timedelta(hours=1)
    newer = create_order_from_shopping_list(session, first_list, actor=users["sales"])
    create_order_from_shopping_list(session, other_list, actor=users["sales"])
    from_rfq = create_order_from_rfq(session, rfq, actor=users["sales"], default_currency="USD")
    session.commit()

    # When the orders of each document are listed, Then each gets its own, newest first
    assert orders_from_source(session, shopping_list_id=first_list.id, limit=20) == [newer, older]
    assert orders_from_source(session, rfq_id=rfq.id, limit=20) == [from_rfq]
    assert count_orders_from_source(session, shopping_list_id=first_list.id) == 2
    assert count_orders_from_source(session, rfq_id=rfq.id) == 1
    assert session.query(Order).count() == 4


def test_orders_from_a_source_stop_at_the_limit_and_the_count_gives_them_all(session, catalog, users):
    # Given three orders from a shopping list, the oldest first
    shopping_list = _shopping_list(session, catalog)
    made = [create_order_from_shopping_list(session, shopping_list, actor=users["sales"]) for _ in range(3)]
    for hours, order in enumerate(reversed(made)):
        order.created_at = order.created_at - timedelta(hours=hours)
    session.commit()

    # When two are asked for, Then the newest two come, and the count says three
    assert orders_from_source(session, shopping_list_id=shopping_list.id, limit=2) == [made[2], made[1]]
    assert count_orders_from_source(session, shopping_list_id=shopping_list.id) == 3


def test_a_document_never_used_has_no_orders(session, catalog):
    shopping_list = _shopping_list(session, catalog)

    assert orders_from_source(session, shopping_list_id=shopping_list.id, limit=20) == []
    assert count_orders_from_source(session, shopping_list_id=shopping_list.id) == 0


@pytest.mark.parametrize("ids", [{}, {"shopping_list_id": 1, "rfq_id": 1}])
def test_naming_no_document_or_both_is_a_programming_error(session, ids):
    with pytest.raises(ValueError):
        orders_from_source(session, limit=20, **ids)
    with pytest.raises(ValueError):
        count_orders_from_source(session, **ids)


# --- checks before saving a document --------------------------------------------------------


def _other_customers_user(session) -> CustomerUser:
    other = Customer(name="Other Co")
    user = CustomerUser(customer=other, email="x@other.example", first_name="X", last_name="Other")
    session.add_all([other, user])
    session.flush()
    return user


def test_a_shopping_list_for_another_customers_user_is_refused(session, catalog):
    shopping_list = ShoppingList(
        label="x", customer=catalog["customer"], currency="USD", customer_user=_other_customers_user(session)
    )

    with pytest.raises(ValidationFailed, match="must belong to the customer"):
        check_shopping_list(shopping_list)


@pytest.mark.parametrize(
    "quantity, unit, message",
    [
        (D("0"), "item", "greater than 0"),
        (D("-1"), "item", "greater than 0"),
        (D("1.5"), "item", "only allows whole quantities"),
    ],
)
def test_a_shopping_list_line_with_a_bad_quantity_is_refused(session, catalog, quantity, unit, message):
    shopping_list = ShoppingList(
        label="x",
        customer=catalog["customer"],
        currency="USD",
        lines=[ShoppingListLine(product=catalog["widget"], quantity=quantity, unit=unit)],
    )

    with pytest.raises(ValidationFailed, match=message):
        check_shopping_list(shopping_list)


def test_a_valid_shopping_list_and_rfq_pass_their_checks(session, catalog):
    check_shopping_list(
        ShoppingList(
            label="x",
            customer=catalog["customer"],
            currency="EUR",
            lines=[ShoppingListLine(product=catalog["widget"], quantity=D("2.5"), unit="kg")],
        )
    )
    check_rfq(RequestForQuote(customer=catalog["customer"], status="open"))


def test_an_rfq_with_an_unknown_status_or_bad_quantity_is_refused(session, catalog):
    with pytest.raises(ValidationFailed, match="Status"):
        check_rfq(RequestForQuote(customer=catalog["customer"], status="deleted"))
    with pytest.raises(ValidationFailed, match="Requested product 1: the quantity"):
        check_rfq(
            RequestForQuote(
                customer=catalog["customer"],
                status="open",
                requested_products=[
                    RequestProduct(items=[RequestProductItem(quantity=D("0"), unit="item", currency="USD")])
                ],
            )
        )


def test_an_rfq_for_another_customers_user_is_refused(session, catalog):
    rfq = RequestForQuote(
        customer=catalog["customer"], status="open", customer_user=_other_customers_user(session)
    )

    with pytest.raises(ValidationFailed, match="must belong to the customer"):
        check_rfq(rfq)
