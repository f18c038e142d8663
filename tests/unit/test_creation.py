"""Creating an order from plain data (SPEC §5): every refusal, and what a new order holds."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from actions.errors import DomainError
from actions.order_input import AddressData, LineData
from models import Customer, CustomerUser, Order, OrderAddress, OrderLineItem, SpecialDiscount
from tests.factories import make_order

D = Decimal


def _assert_nothing_added(session):
    assert not session.new, f"objects were added to the session: {session.new}"
    session.flush()
    for model in (Order, OrderLineItem, OrderAddress, SpecialDiscount):
        assert session.scalar(select(func.count()).select_from(model)) == 0, model.__name__


def _refused(session, catalog, **overrides) -> str:
    with pytest.raises(DomainError) as refused:
        make_order(session, catalog, **overrides)
    _assert_nothing_added(session)
    return refused.value.message


def _book(catalog, **fields) -> AddressData:
    values = {
        "first_name": "Bea",
        "last_name": "Buyer",
        "street": "1 Main St",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "US",
    }
    values.update(fields)
    return AddressData(**values)


# --- refusals -------------------------------------------------------------------------------


def test_an_order_without_a_customer_is_refused(session, catalog):
    assert _refused(session, catalog, customer_id=None) == ("Customer: this value should not be blank.")


def test_an_order_for_an_unknown_customer_is_refused(session, catalog):
    assert _refused(session, catalog, customer_id=999_999) == ("Customer: this value should not be blank.")


def test_a_customer_user_of_another_customer_is_refused(session, catalog):
    # Given a buyer of another customer
    other = CustomerUser(
        customer=Customer(name="Globex"), email="hank@globex.example", first_name="Hank", last_name="Scorpio"
    )
    session.add(other)
    session.commit()

    # When an Acme order names that buyer; then it is refused
    assert _refused(session, catalog, customer_user_id=other.id) == (
        "Customer User: the customer user must belong to the customer."
    )


def test_an_order_without_lines_is_refused(session, catalog):
    assert _refused(session, catalog, lines=[]) == "Please add at least one Line Item"


@pytest.mark.parametrize("quantity", ["0", "-1"])
def test_a_line_with_a_quantity_of_zero_or_less_is_refused(session, catalog, quantity):
    lines = [LineData(product_id=catalog["widget"].id, quantity=quantity)]
    assert _refused(session, catalog, lines=lines) == ("Line 1: the quantity should be greater than 0.")


def test_a_line_whose_quantity_is_not_a_number_is_refused(session, catalog):
    lines = [LineData(product_id=catalog["widget"].id, quantity="two")]
    assert _refused(session, catalog, lines=lines) == "Line 1: quantity is not a valid number."


def test_a_fractional_quantity_of_a_whole_unit_is_refused(session, catalog):
    # Given a second line of 1.5 widgets sold per 'item'
    lines = [
        LineData(product_id=catalog["gadget"].id, quantity="1"),
        LineData(product_id=catalog["widget"].id, quantity="1.5"),
    ]
    # Then the refusal names the second line and the unit
    assert _refused(session, catalog, lines=lines) == (
        "Line 2: the unit 'item' only allows whole quantities."
    )


def test_a_price_with_more_decimals_than_the_currency_allows_is_refused(session, catalog):
    lines = [LineData(product_id=catalog["widget"].id, quantity="1", unit_price="9.995")]
    assert _refused(session, catalog, lines=lines) == (
        "Line 1: price: USD amounts allow at most 2 decimal places."
    )


def test_a_negative_price_is_refused(session, catalog):
    lines = [LineData(product_id=catalog["widget"].id, quantity="1", unit_price="-1.00")]
    assert _refused(session, catalog, lines=lines) == "Line 1: the price cannot be negative."


def test_an_unknown_product_is_refused(session, catalog):
    lines = [LineData(product_id=999_999, quantity="1")]
    assert _refused(session, catalog, lines=lines) == "Line 1: please choose Product."


def test_a_product_without_a_price_in_the_orders_currency_is_refused(session, catalog):
    # Given the gadget has a USD price only; when it is ordered in EUR without a price
    lines = [LineData(product_id=catalog["gadget"].id, quantity="1")]
    message = _refused(session, catalog, currency="EUR", lines=lines, shipping_method_id=None)
    # Then the price list has no match
    assert message.startswith("No matching price found")
    assert "GAD-2" in message and "EUR" in message


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"street": ""}, "Billing address: street is required."),
        ({"city": "  "}, "Billing address: city is required."),
        ({"postal_code": None}, "Billing address: postal code is required."),
        ({"country": ""}, "Billing address: country is required."),
        (
            {"first_name": None, "organization": None},
            "Billing address: first and last name, or organization, is required.",
        ),
    ],
)
def test_a_typed_billing_address_missing_a_required_field_is_refused(session, catalog, missing, message):
    assert _refused(session, catalog, billing_address=_book(catalog, **missing)) == message


def test_a_typed_shipping_address_missing_its_street_is_refused(session, catalog):
    assert _refused(session, catalog, shipping_address=_book(catalog, street="")) == (
        "Shipping address: street is required."
    )


def test_an_organization_alone_is_enough_for_an_address(session, catalog):
    address = _book(catalog, first_name=None, last_name=None, organization="Acme Receiving")
    order = make_order(session, catalog, billing_address=address)
    assert order.billing_address.organization == "Acme Receiving"


def test_an_unknown_currency_is_refused(session, catalog):
    assert _refused(session, catalog, currency="XYZ") == ("Currency: 'XYZ' is not a valid currency.")


# --- the happy path -------------------------------------------------------------------------


def test_a_new_order_gets_an_so_number_stored_totals_and_its_own_address_copies(session, catalog, users):
    # Given the Acme catalog: 2 × $10.00 widgets + 1 × $25.50 gadget, $10 flat rate, 10% tax
    # When a sales user creates the order
    order = make_order(session, catalog, actor=users["sales"])
    session.commit()

    # Then it is numbered SO- and six digits of its id
    assert re.fullmatch(r"SO-\d{6}", order.identifier)
    assert order.identifier == f"SO-{order.id:06d}"
    # and opens with the default statuses
    assert (order.internal_status, order.shipping_status, order.payment_status) == (
        "open",
        "not_shipped",
        "pending",
    )
    # and its totals are stored
    session.expire_all()
    assert (order.subtotal, order.shipping_cost, order.tax_total, order.total) == (
        D("45.50"),
        D("10.00"),
        D("4.55"),
        D("60.05"),
    )
    # and the addresses are copies that remember the address-book entry they came from
    book = catalog["address"]
    for copy in (order.billing_address, order.shipping_address):
        assert copy.id is not None and copy.customer_address_id == book.id
        assert (copy.street, copy.city, copy.postal_code, copy.country) == (
            "1 Main St",
            "Springfield",
            "12345",
            "US",
        )
    assert order.billing_address.id != order.shipping_address.id
    # and the payment term comes from the customer
    assert order.payment_term_id == catalog["term"].id


def test_line_prices_come_from_the_price_list_unless_overridden(session, catalog):
    # Given a widget line without a price and a gadget line priced by hand
    lines = [
        LineData(product_id=catalog["widget"].id, quantity="3"),
        LineData(product_id=catalog["gadget"].id, quantity="1", unit_price="19.99"),
    ]

    # When the order is created
    order = make_order(session, catalog, lines=lines)

    # Then the widget has its list price, the gadget keeps the typed one, and SKUs are copied
    widget, gadget = order.line_items
    assert (widget.product_sku, widget.unit_price, widget.quantity) == ("WID-1", D("10.00"), 3)
    assert (gadget.product_sku, gadget.unit_price) == ("GAD-2", D("19.99"))
    assert order.subtotal == D("49.99")


def test_the_owner_defaults_to_the_user_who_creates_the_order(session, catalog, users):
    order = make_order(session, catalog, actor=users["sales"])
    assert order.owner is users["sales"]
    assert order.created_by is users["sales"]


def test_an_owner_chosen_on_the_form_is_kept(session, catalog, users):
    order = make_order(session, catalog, actor=users["sales"], owner_id=users["manager"].id)
    assert order.owner is users["manager"]
    assert order.created_by is users["sales"]


def test_the_overridden_shipping_cost_replaces_the_estimate_in_the_total(session, catalog):
    order = make_order(session, catalog, overridden_shipping_cost="2.50")
    assert order.estimated_shipping_cost == D("10.00")
    assert order.shipping_cost == D("2.50")
    assert order.total == D("45.50") + D("2.50") + D("4.55")


def test_orders_are_numbered_in_sequence(session, catalog):
    first = make_order(session, catalog)
    second = make_order(session, catalog)
    assert int(second.identifier[3:]) == int(first.identifier[3:]) + 1
