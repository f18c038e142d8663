"""Every money and quantity input is bounded to what its column keeps exactly (on SQLite, what
a binary float round-trips), with a clear message; digits of other scripts are refused the
same way everywhere."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from actions.discounts import add_special_discount
from actions.errors import DomainError
from actions.money import MAX_AMOUNT, MAX_STORED, parse_amount
from actions.order_input import DiscountData, LineData
from actions.shipping import ship_order
from models import Order
from tests.factories import make_order


def _refused(session, catalog, **overrides) -> str:
    with pytest.raises(DomainError) as refused:
        make_order(session, catalog, **overrides)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Order)) == 0
    return refused.value.message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("9999999999999999999999999", "must be less than 1,000,000,000"),
        ("1e30", "must be less than 1,000,000,000"),
        ("NaN", "not a valid number"),
        ("١٢", "not a valid number"),
        ("12.345", "at most 2 decimal places"),
    ],
)
def test_an_amount_that_cannot_be_kept_exactly_is_refused_with_a_message(text, message):
    with pytest.raises(DomainError, match=message):
        parse_amount(text, "USD", field="Price")


def test_the_largest_amount_allowed_is_kept(session):
    assert parse_amount("999999999.99", "USD") == Decimal("999999999.99")
    assert MAX_AMOUNT * 100 <= MAX_STORED  # a line of the largest price × 99 units still fits


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("1e30", "quantity: the value must be less than 1,000,000"),
        ("١٢", "quantity is not a valid number"),
        ("NaN", "quantity is not a valid number"),
        ("1.00001", "at most 4 decimal places"),
    ],
)
def test_a_line_quantity_that_cannot_be_kept_exactly_is_refused(session, catalog, quantity, message):
    lines = [LineData(product_id=catalog["widget"].id, quantity=quantity, unit="kg")]
    assert message in _refused(session, catalog, lines=lines)


@pytest.mark.parametrize("price", ["1e30", "٣", "NaN"])
def test_a_unit_price_override_that_cannot_be_kept_is_refused(session, catalog, price):
    lines = [LineData(product_id=catalog["widget"].id, quantity="1", unit_price=price)]
    assert _refused(session, catalog, lines=lines)


def test_an_order_whose_total_would_not_be_kept_exactly_is_refused(session, catalog):
    lines = [LineData(product_id=catalog["widget"].id, quantity="999999", unit_price="999999999")]
    assert "Order total: the value must be less than 100,000,000,000" in _refused(
        session, catalog, lines=lines
    )


def test_a_huge_shipping_override_is_refused(session, catalog):
    assert "must be less than" in _refused(session, catalog, overridden_shipping_cost="1e30")


def test_a_huge_special_discount_is_refused(session, catalog, users):
    order = make_order(session, catalog, actor=users["sales"])
    session.commit()
    with pytest.raises(DomainError, match="must be less than"):
        add_special_discount(session, order, DiscountData(type="amount", value="1e30"), actor=users["sales"])


@pytest.mark.parametrize("quantity", ["١", "NaN", "1e30"])
def test_a_quantity_to_ship_in_other_digits_or_absurd_is_refused(session, catalog, users, quantity):
    order = make_order(session, catalog, actor=users["sales"])
    session.commit()
    with pytest.raises(DomainError):
        ship_order(session, order, actor=users["sales"], quantities={order.line_items[0].id: quantity})
    session.rollback()
    assert all(line.shipped_quantity == 0 for line in session.get(Order, order.id).line_items)
