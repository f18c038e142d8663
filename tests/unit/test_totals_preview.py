"""The order form's live totals (actions/totals_preview.py): the preview runs the save path up
to the totals and writes nothing, so it shows exactly what saving the same input stores."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from actions.coupons import check_new_coupon
from actions.creation import OrderData, create_order
from actions.discounts import apply_coupon
from actions.editing import update_order
from actions.errors import DiscountTooLarge, PermissionDenied, StaleOrder, ValidationFailed
from actions.order_input import AddressData, DiscountData, LineData
from actions.reordering import order_data_from
from actions.totals import Totals
from actions.totals_preview import preview_totals
from models import AuditEntry, Coupon, Order, Promotion, WebhookDelivery
from tests.factories import make_order

D = Decimal


def _saved(order: Order) -> tuple[Decimal, ...]:
    return (
        order.subtotal,
        order.special_discounts_total,
        order.promotion_discounts_total,
        order.shipping_cost,
        order.shipping_discounts_total,
        order.tax_total,
        order.total,
    )


def _shown(totals: Totals) -> tuple[Decimal, ...]:
    return (
        totals.subtotal,
        totals.special_discounts_total,
        totals.promotion_discounts_total,
        totals.shipping if totals.shipping is not None else D("0"),
        totals.shipping_discounts_total,
        totals.tax,
        totals.total,
    )


@pytest.fixture
def flushes(session: Session) -> Iterator[list[int]]:
    """Counts the session's flushes: a preview must make none (no audit row, no outbox row)."""
    seen: list[int] = []

    def count(*_args: Any) -> None:
        seen.append(1)

    event.listen(session, "before_flush", count)
    yield seen
    event.remove(session, "before_flush", count)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _new_order_data(catalog: dict[str, Any], **changes: Any) -> OrderData:
    data = OrderData(
        customer_id=catalog["customer"].id,
        customer_user_id=catalog["buyer"].id,
        currency="USD",
        lines=[
            LineData(product_id=catalog["widget"].id, quantity="3"),
            LineData(free_form_name="Crate", quantity="2", unit_price="7.35"),
        ],
        shipping_address=AddressData(customer_address_id=catalog["address"].id),
        shipping_method_id=catalog["shipping"].id,
        special_discounts=[DiscountData("percent", "10", "Loyalty")],
    )
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_the_preview_of_a_new_order_is_what_create_order_saves_and_writes_nothing(
    session, catalog, users, flushes
):
    # Given an automatic half-shipping promotion, and a form with two lines, a 10% discount,
    # flat-rate shipping and a taxed US address
    session.add(
        Promotion(
            name="Half shipping", kind="shipping_percent", value=D("50"), active=True, requires_coupon=False
        )
    )
    session.commit()
    orders, audit = _count(session, Order), _count(session, AuditEntry)
    flushes.clear()

    # When the totals are previewed
    shown = preview_totals(session, _new_order_data(catalog), actor=users["sales"])
    session.rollback()

    # Then nothing was flushed or written: no order, no audit row, nothing pending
    assert flushes == [] and not session.new
    assert (_count(session, Order), _count(session, AuditEntry)) == (orders, audit)
    # And saving the same input stores exactly the previewed totals, the promotion included
    assert shown.shipping_discounts_total > 0
    saved = create_order(session, _new_order_data(catalog), actor=users["sales"])
    assert _saved(saved) == _shown(shown)


def test_the_preview_of_an_edit_is_what_update_order_saves_and_leaves_the_order_as_it_was(
    session, catalog, users, flushes
):
    # Given an open order with a $5 coupon applied
    promotion = Promotion(
        name="Five off", kind="order_amount", value=D("5"), currency="USD", requires_coupon=True
    )
    coupon = Coupon(code="FIVE", promotion=promotion, enabled=True, uses=0)
    session.add(promotion)
    check_new_coupon(session, coupon)
    session.add(coupon)
    order = make_order(session, catalog, actor=users["sales"])
    apply_coupon(session, order, "FIVE", actor=users["sales"])
    session.commit()
    before, uses, version = _saved(order), coupon.uses, order.version
    flushes.clear()

    # When an edit that changes a quantity and removes the coupon is previewed
    data = order_data_from(order)
    for line, item in zip(data.lines, order.line_items, strict=True):
        line.id = item.id
    data.lines[0].quantity = "5"
    data.promotion_states = {order.applied_promotions[0].id: "remove"}
    shown = preview_totals(session, data, order=order, actor=users["sales"], expected_version=version)
    session.rollback()

    # Then nothing was flushed, and the order, its coupon and the coupon's uses are as they were
    assert flushes == []
    assert (_saved(order), len(order.applied_promotions), coupon.uses) == (before, 1, uses)
    assert shown.promotion_discounts == () and shown.total != before[-1]
    # And saving the same edit stores exactly the previewed totals
    update_order(session, order, data, actor=users["sales"], expected_version=version)
    assert _saved(order) == _shown(shown)


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        (
            {"lines": [LineData(product_id=None, free_form_name="Crate", quantity="0", unit_price="1")]},
            ValidationFailed,
            "quantity",
        ),
        ({"special_discounts": [DiscountData("amount", "1000")]}, DiscountTooLarge, None),
        ({"customer_id": None}, ValidationFailed, "customer"),
    ],
    ids=["quantity zero", "discount over the subtotal", "no customer"],
)
def test_a_refused_preview_says_why_as_saving_would_and_writes_nothing(
    session, catalog, users, flushes, changes, error, field
):
    # When the totals of a form with bad input are previewed
    with pytest.raises(error) as refused:
        preview_totals(session, _new_order_data(catalog, **changes), actor=users["sales"])
    session.rollback()

    # Then the refusal names the field, and nothing was flushed
    assert refused.value.field == field
    assert flushes == [] and _count(session, Order) == 0


def test_a_viewer_gets_no_preview_and_a_stale_edit_form_is_told_so(session, catalog, users):
    with pytest.raises(PermissionDenied):
        preview_totals(session, _new_order_data(catalog), actor=users["viewer"])
    order = make_order(session, catalog, actor=users["sales"])
    session.commit()
    with pytest.raises(StaleOrder):
        preview_totals(session, order_data_from(order), order=order, actor=users["sales"], expected_version=0)
    session.rollback()


prices = st.decimals(min_value=D("0"), max_value=D("500"), places=2)
quantities = st.integers(min_value=1, max_value=20)
lines = st.lists(st.tuples(quantities, prices), min_size=1, max_size=4)
discounts = st.lists(
    st.one_of(
        st.tuples(st.just("percent"), st.decimals(min_value=D("0.01"), max_value=D("30"), places=2)),
        st.tuples(st.just("amount"), st.decimals(min_value=D("0.01"), max_value=D("20"), places=2)),
    ),
    max_size=2,
)
shipping = st.one_of(st.none(), st.decimals(min_value=D("0"), max_value=D("80"), places=2))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=lines, discounts=discounts, shipping=shipping)
def test_for_random_orders_the_preview_equals_the_totals_of_the_saved_order(
    session, catalog, users, lines, discounts, shipping
):
    # Given a random form: free-form lines, special discounts and an overridden shipping cost
    def data() -> OrderData:
        return _new_order_data(
            catalog,
            lines=[LineData(free_form_name="Part", quantity=str(q), unit_price=str(p)) for q, p in lines],
            special_discounts=[DiscountData(kind, str(value)) for kind, value in discounts],
            overridden_shipping_cost=None if shipping is None else str(shipping),
        )

    # When it is previewed, then saved
    try:
        shown = preview_totals(session, data(), actor=users["sales"])
    except DiscountTooLarge:
        session.rollback()
        # Then saving refuses it the same way
        with pytest.raises(DiscountTooLarge):
            create_order(session, data(), actor=users["sales"])
        session.rollback()
        return
    session.rollback()
    saved = create_order(session, data(), actor=users["sales"])

    # Then the saved order's totals are the previewed ones, and the webhook outbox saw nothing extra
    assert _saved(saved) == _shown(shown)
    session.rollback()
    assert _count(session, WebhookDelivery) == 0
