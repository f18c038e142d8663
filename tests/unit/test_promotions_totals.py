"""Totals of an order with mixed discounts (SPEC §2.1, §7): special discounts, coupons and
automatic promotions, stored on the order and its parts, whatever order they are added in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.coupons import check_new_coupon
from actions.discounts import (
    add_special_discount,
    apply_coupon,
    remove_special_discount,
    update_special_discount,
)
from actions.errors import DiscountTooLarge, ValidationFailed
from actions.order_input import DiscountData
from actions.pricing import order_totals
from models import Coupon, Promotion
from tests import factories

D = Decimal
NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(session) -> dict[str, Any]:
    made = factories.make_catalog(session)
    session.flush()
    return made


def coupon_for(session, code: str, kind: str, value: Decimal, *, currency: str | None = None) -> Coupon:
    promotion = Promotion(
        name=f"Promo {code}", kind=kind, value=value, currency=currency, active=True, requires_coupon=True
    )
    coupon = Coupon(
        code=code,
        promotion=promotion,
        enabled=True,
        uses=0,
        uses_per_coupon=None,
        uses_per_customer_user=None,
    )
    session.add(promotion)
    check_new_coupon(session, coupon)
    session.add(coupon)
    session.flush()
    return coupon


def test_mixed_discounts_make_the_rows_of_spec_2_1(session, world):
    # Given an order of $45.50 with $10 shipping and 10% US tax on goods, an automatic
    # 50% shipping promotion, a $5 coupon and a 10% special discount
    session.add(
        Promotion(
            name="Half shipping", kind="shipping_percent", value=D("50"), active=True, requires_coupon=False
        )
    )
    session.flush()
    coupon_for(session, "FIVE", "order_amount", D("5"), currency="USD")
    order = factories.make_order(session, world)

    # When the coupon and the special discount are added
    apply_coupon(session, order, "five", actor=None, now=NOW)
    add_special_discount(session, order, DiscountData("percent", "10", "Loyalty"), actor=None)

    # Then every row is there, rounded, and the stored totals match the computed ones
    rows = [(r.label, r.amount) for r in order_totals(session, order).rows]
    assert rows == [
        ("Subtotal", D("45.50")),
        ("Loyalty (Special Discount)", D("4.55")),
        ("Promo FIVE (Coupon FIVE)", D("5.00")),
        ("Shipping", D("10.00")),
        ("Half shipping", D("5.00")),
        ("Tax", D("3.60")),  # 10% of 45.50 - 4.55 - 5.00 = 3.595
        ("Total", D("44.55")),  # 45.50 - 9.55 + 10.00 - 5.00 + 3.60
    ]
    assert (
        order.special_discounts_total,
        order.promotion_discounts_total,
        order.shipping_discounts_total,
        order.tax_total,
        order.total,
    ) == (D("4.55"), D("5.00"), D("5.00"), D("3.60"), D("44.55"))
    assert sorted(p.amount for p in order.applied_promotions) == [D("5.00"), D("5.00")]


def test_a_discount_that_would_exceed_the_subtotal_is_refused_and_nothing_changes(session, world):
    order = factories.make_order(session, world)
    add_special_discount(session, order, DiscountData("amount", "40", None), actor=None)
    before = order.total
    with pytest.raises(DiscountTooLarge, match="The sum of all discounts cannot exceed the order subtotal"):
        add_special_discount(session, order, DiscountData("percent", "20", None), actor=None)
    assert len(order.special_discounts) == 1 and order.total == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (DiscountData("percent", "0", None), "greater than 0 and at most 100"),
        (DiscountData("percent", "100.01", None), "greater than 0 and at most 100"),
        (DiscountData("amount", "-1", None), "greater than 0"),
        (DiscountData("amount", "1.005", None), "at most 2 decimal places"),
        (DiscountData("gift", "1", None), "The Special Discount type is invalid"),
    ],
)
def test_a_bad_special_discount_is_refused(session, world, data, message):
    order = factories.make_order(session, world)
    with pytest.raises(ValidationFailed, match=message):
        add_special_discount(session, order, data, actor=None)
    assert order.special_discounts == []


def test_editing_and_removing_a_special_discount_moves_the_totals(session, world):
    order = factories.make_order(session, world)
    discount = add_special_discount(session, order, DiscountData("amount", "5", "Goodwill"), actor=None)
    update_special_discount(session, order, discount.id, DiscountData("percent", "100", "All"), actor=None)
    assert (order.special_discounts_total, order.tax_total, order.total) == (
        D("45.50"),
        D("0.00"),
        D("10.00"),
    )
    remove_special_discount(session, order, discount.id, actor=None)
    assert order.special_discounts_total == 0 and order.total == D("60.05")


def test_a_percent_of_100_is_allowed_and_a_full_discount_leaves_only_shipping(session, world):
    order = factories.make_order(session, world)
    add_special_discount(session, order, DiscountData("percent", "100", None), actor=None)
    assert order.total == D("10.00")


# Each step adds one discount: a special discount or a coupon of one promotion kind. The
# values are bounded so every combination fits under the $45.50 subtotal.
steps = st.lists(
    st.one_of(
        st.tuples(st.just("special_percent"), st.decimals(min_value=D("0.5"), max_value=20, places=1)),
        st.tuples(st.just("special_amount"), st.decimals(min_value=D("0.01"), max_value=8, places=2)),
        st.tuples(st.just("order_percent"), st.decimals(min_value=D("0.5"), max_value=20, places=1)),
        st.tuples(st.just("order_amount"), st.decimals(min_value=D("0.01"), max_value=8, places=2)),
        st.tuples(st.just("shipping_percent"), st.decimals(min_value=1, max_value=100, places=0)),
    ),
    min_size=1,
    max_size=4,
).filter(
    lambda s: (
        sum(1 for kind, _ in s if "percent" in kind and kind != "shipping_percent") <= 3
        and sum(1 for kind, _ in s if "amount" in kind) <= 2
    )
)
_example = itertools.count()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps, st.randoms(use_true_random=False))
def test_totals_are_identical_whichever_order_the_discounts_are_added_in(session, world, plan, rnd):
    # Given the same discounts, each coupon of its own promotion
    n = next(_example)
    codes = []
    for i, (kind, value) in enumerate(plan):
        if kind.startswith("special"):
            codes.append(None)
        else:
            code = f"P{n}X{i}"
            coupon_for(session, code, kind, value, currency="USD" if kind == "order_amount" else None)
            codes.append(code)
    shuffled = list(range(len(plan)))
    rnd.shuffle(shuffled)

    # When they are added to two equal orders, in two different orders
    results = []
    for order_of_steps in (range(len(plan)), shuffled):
        order = factories.make_order(session, world)
        for index in order_of_steps:
            kind, value = plan[index]
            if codes[index] is None:
                add_special_discount(
                    session,
                    order,
                    DiscountData(kind.removeprefix("special_"), value, f"D{index}"),
                    actor=None,
                )
            else:
                apply_coupon(session, order, codes[index], actor=None, now=NOW)
        results.append(order)

    # Then every stored total is identical, and the stored amounts add up to them
    first, second = results
    for name in (
        "subtotal",
        "special_discounts_total",
        "promotion_discounts_total",
        "shipping_cost",
        "shipping_discounts_total",
        "tax_total",
        "total",
    ):
        assert getattr(first, name) == getattr(second, name), name
    for order in results:
        assert order.total == order_totals(session, order).total
        promo_amounts = sum((p.amount for p in order.applied_promotions), D(0))
        assert promo_amounts == order.promotion_discounts_total + order.shipping_discounts_total


@pytest.mark.parametrize(("currency", "value", "decimals"), [("JPY", "10.5", "0"), ("USD", "1.005", "2")])
def test_a_promotion_amount_with_too_many_decimals_names_the_currency_s_decimals(currency, value, decimals):
    from actions.errors import ValidationFailed
    from actions.promotions import check_promotion
    from models import Promotion

    promotion = Promotion(name="Too precise", kind="order_amount", value=Decimal(value), currency=currency)
    with pytest.raises(ValidationFailed) as refused:
        check_promotion(promotion)
    assert f"{currency} amounts allow at most {decimals} decimal places" in refused.value.message
