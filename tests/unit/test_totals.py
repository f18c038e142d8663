"""Order totals (SPEC §2.1): worked examples, then properties that hold for any order."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.errors import DiscountTooLarge, ValidationFailed
from actions.money import CURRENCY_DECIMALS, minor_unit
from actions.totals import DiscountInput, LineInput, Totals, compute_totals

D = Decimal


def _amounts(totals: Totals) -> list[Decimal]:
    return [
        totals.subtotal,
        totals.tax,
        totals.total,
        *(totals.special_discounts),
        *(totals.promotion_discounts),
        *(totals.shipping_discounts),
        *([totals.shipping] if totals.shipping is not None else []),
        *(row.amount for row in totals.rows),
    ]


# --- worked examples ------------------------------------------------------------------------


def test_the_subtotal_rounds_each_line_before_adding_them_like_oro():
    # Given Oro's sample lines 1.0149 × 3 (3.0447) and 3.0209 × 1
    lines = [LineInput(D("1.0149"), D("3")), LineInput(D("3.0209"), D("1"))]

    # When the totals are computed
    totals = compute_totals("USD", lines)

    # Then each row is rounded first: 3.04 + 3.02 = 6.06 (rounding the sum would give 6.07)
    assert totals.subtotal == D("6.06")
    assert totals.total == D("6.06")


def test_the_grand_total_subtracts_discounts_adds_shipping_and_tax_on_the_discounted_subtotal():
    # Given Oro's grand-total example: a 6.07 subtotal, a 10% special discount, a 0.37
    # promotion, a $10 flat rate and 10% tax
    lines = [LineInput(D("6.07"), D("1"))]

    # When the totals are computed
    totals = compute_totals(
        "USD",
        lines,
        special_discounts=[DiscountInput("percent", D("10"), "Loyalty")],
        promotions=[DiscountInput("order_amount", D("0.37"), "Promo")],
        shipping_cost=D("10"),
        tax_rate_percent=D("10"),
    )

    # Then 6.07 − 0.61 − 0.37 + 10.00 + 0.51 = 15.60. (Oro's page says 15.70 because it taxes
    # the undiscounted 6.07; SPEC §2.1 taxes subtotal − order discounts = 5.09 → 0.51.)
    assert totals.special_discounts == (D("0.61"),)
    assert totals.promotion_discounts == (D("0.37"),)
    assert totals.shipping == D("10.00")
    assert totals.tax == D("0.51")
    assert totals.total == D("15.60")
    assert [r.label for r in totals.rows] == [
        "Subtotal",
        "Loyalty (Special Discount)",
        "Promo",
        "Shipping",
        "Tax",
        "Total",
    ]


def test_tax_on_shipping_is_added_only_when_the_rule_applies_to_shipping():
    # Given a $100 order with $20 shipping and a 10% tax rule
    lines = [LineInput(D("100"), D("1"))]

    # When the rule does and does not apply to shipping
    with_shipping = compute_totals(
        "USD", lines, shipping_cost=D("20"), tax_rate_percent=D("10"), tax_applies_to_shipping=True
    )
    without = compute_totals("USD", lines, shipping_cost=D("20"), tax_rate_percent=D("10"))

    # Then only the first taxes the shipping too
    assert with_shipping.tax == D("12.00") and with_shipping.total == D("132.00")
    assert without.tax == D("10.00") and without.total == D("130.00")


def test_a_percent_discount_is_taken_from_the_subtotal_and_rounded_half_up():
    # Given a $45.50 subtotal (2 × 10.00 + 1 × 25.50)
    lines = [LineInput(D("10.00"), D("2")), LineInput(D("25.50"), D("1"))]

    # When a 15% special discount is applied (6.825)
    totals = compute_totals("USD", lines, special_discounts=[DiscountInput("percent", D("15"))])

    # Then it is rounded half-up to 6.83
    assert totals.special_discounts == (D("6.83"),)
    assert totals.total == D("38.67")


def test_yen_amounts_have_no_decimals_and_round_half_up():
    # Given a JPY order of 1,005 yen
    lines = [LineInput(D("335"), D("3"))]

    # When a 10% discount (100.5) and 8% tax on 904 (72.32) are computed
    totals = compute_totals(
        "JPY", lines, special_discounts=[DiscountInput("percent", D("10"))], tax_rate_percent=D("8")
    )

    # Then every amount is whole yen, rounded half-up (banker's rounding would give 100)
    assert totals.subtotal == D("1005")
    assert totals.special_discounts == (D("101"),)
    assert totals.tax == D("72")
    assert totals.total == D("976")
    assert all(a == a.quantize(D("1")) for a in _amounts(totals))


def test_discounts_exceeding_the_subtotal_are_refused_with_a_clear_message():
    # Given a $10 order
    lines = [LineInput(D("10.00"), D("1"))]

    # When a $6 special discount and a $5 promotion are applied
    with pytest.raises(DiscountTooLarge) as refused:
        compute_totals(
            "USD",
            lines,
            special_discounts=[DiscountInput("amount", D("6"))],
            promotions=[DiscountInput("order_amount", D("5"))],
        )

    # Then the refusal says why
    assert refused.value.message == "The sum of all discounts cannot exceed the order subtotal"


def test_discounts_equal_to_the_subtotal_are_allowed_and_leave_a_zero_total():
    # Given a $10 order discounted 100%
    totals = compute_totals(
        "USD", [LineInput(D("10.00"), D("1"))], special_discounts=[DiscountInput("percent", D("100"))]
    )
    # Then the total is zero
    assert totals.total == D("0.00")


@pytest.mark.parametrize("percent", ["0", "101", "-5"])
@pytest.mark.parametrize("where", ["special_discounts", "promotions"])
def test_a_percent_outside_zero_to_a_hundred_is_refused(percent, where):
    # Given a percent discount of 0, 101 or −5
    kind = "percent" if where == "special_discounts" else "order_percent"
    discount = DiscountInput(kind, D(percent))

    # When the totals are computed, then it is refused
    with pytest.raises(ValidationFailed, match="greater than 0 and at most 100"):
        compute_totals("USD", [LineInput(D("10.00"), D("1"))], **{where: [discount]})


def test_a_shipping_percent_outside_zero_to_a_hundred_is_refused():
    with pytest.raises(ValidationFailed, match="greater than 0 and at most 100"):
        compute_totals(
            "USD",
            [LineInput(D("10.00"), D("1"))],
            shipping_cost=D("5"),
            promotions=[DiscountInput("shipping_percent", D("101"))],
        )


def test_a_shipping_discount_reduces_shipping_but_not_the_subtotal():
    # Given $10 shipping and a 50% shipping promotion
    totals = compute_totals(
        "USD",
        [LineInput(D("20.00"), D("1"))],
        shipping_cost=D("10"),
        promotions=[DiscountInput("shipping_percent", D("50"))],
    )
    # Then $5 comes off the shipping only
    assert totals.shipping_discounts == (D("5.00"),)
    assert totals.total == D("25.00")


def test_no_shipping_row_is_shown_when_there_is_no_shipping_cost():
    totals = compute_totals("USD", [LineInput(D("1.00"), D("1"))])
    assert totals.shipping is None
    assert "Shipping" not in [row.label for row in totals.rows]


# --- properties -----------------------------------------------------------------------------

currencies = st.sampled_from(sorted(CURRENCY_DECIMALS))
prices = st.decimals(min_value=0, max_value=100_000, places=4, allow_nan=False, allow_infinity=False)
quantities = st.one_of(
    st.integers(1, 1_000).map(D), st.decimals(min_value=D("0.001"), max_value=500, places=3)
)
line_lists = st.lists(st.builds(LineInput, prices, quantities), min_size=1, max_size=6)
percents = st.decimals(min_value=D("0.01"), max_value=100, places=2)
amounts = st.decimals(min_value=1, max_value=5_000, places=0)
special_lists = st.lists(
    st.one_of(
        st.builds(DiscountInput, st.just("percent"), percents),
        st.builds(DiscountInput, st.just("amount"), amounts),
    ),
    max_size=3,
)
promotion_lists = st.lists(
    st.one_of(
        st.builds(DiscountInput, st.just("order_percent"), percents),
        st.builds(DiscountInput, st.just("order_amount"), amounts),
        st.builds(DiscountInput, st.just("shipping_percent"), percents),
    ),
    max_size=3,
)
shipping_costs = st.one_of(st.none(), st.decimals(min_value=0, max_value=1_000, places=2))
tax_rates = st.one_of(st.none(), st.decimals(min_value=0, max_value=30, places=3))


def _compute(currency, lines, special, promos, shipping, rate, on_shipping):
    try:
        return compute_totals(
            currency,
            lines,
            special_discounts=special,
            promotions=promos,
            shipping_cost=shipping,
            tax_rate_percent=rate,
            tax_applies_to_shipping=on_shipping,
        )
    except DiscountTooLarge:
        return None


def _order_discounts_by_hand(currency, lines, special, promos):
    """An independent oracle: each order discount rounded half-up, percent of the subtotal."""
    unit = minor_unit(currency)
    subtotal = sum(((li.unit_price * li.quantity).quantize(unit, ROUND_HALF_UP) for li in lines), D(0))
    total = D(0)
    for d in [*special, *(p for p in promos if p.kind != "shipping_percent")]:
        raw = subtotal * d.value / 100 if d.kind.endswith("percent") else d.value
        total += raw.quantize(unit, ROUND_HALF_UP)
    return subtotal, total


@given(currencies, line_lists, special_lists, promotion_lists, shipping_costs, tax_rates, st.booleans())
def test_the_total_is_always_the_sum_of_its_rows_never_negative_and_in_minor_units(
    currency, lines, special, promos, shipping, rate, on_shipping
):
    # Given any order; when its totals are computed
    totals = _compute(currency, lines, special, promos, shipping, rate, on_shipping)

    # Then it is refused exactly when the order discounts exceed the subtotal
    subtotal, order_discounts = _order_discounts_by_hand(currency, lines, special, promos)
    assert (totals is None) == (order_discounts > subtotal)
    if totals is None:
        return
    assert totals.subtotal == subtotal
    assert totals.order_discounts_total == order_discounts
    # and total = subtotal − order discounts + shipping − shipping discounts + tax
    shipping_amount = totals.shipping or D(0)
    assert totals.total == (
        totals.subtotal
        - totals.order_discounts_total
        + shipping_amount
        - totals.shipping_discounts_total
        + totals.tax
    )
    # and it is never negative, nor is a discount larger than what it discounts
    assert totals.total >= 0
    assert totals.shipping_discounts_total <= shipping_amount
    # and every amount has at most the currency's decimals
    unit = minor_unit(currency)
    for amount in _amounts(totals):
        assert amount == amount.quantize(unit), f"{amount} has too many decimals for {currency}"


@given(
    currencies,
    line_lists,
    special_lists,
    promotion_lists,
    shipping_costs,
    tax_rates,
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_totals_do_not_depend_on_the_order_discounts_are_given_in(
    currency, lines, special, promos, shipping, rate, on_shipping, rnd
):
    # Given the same discounts in another order
    shuffled_special, shuffled_promos = list(special), list(promos)
    rnd.shuffle(shuffled_special)
    rnd.shuffle(shuffled_promos)

    # When both are computed
    first = _compute(currency, lines, special, promos, shipping, rate, on_shipping)
    second = _compute(currency, lines, shuffled_special, shuffled_promos, shipping, rate, on_shipping)

    # Then both are refused, or every total is identical
    assert (first is None) == (second is None)
    if first is not None and second is not None:
        for name in (
            "subtotal",
            "order_discounts_total",
            "shipping",
            "shipping_discounts_total",
            "tax",
            "total",
        ):
            assert getattr(first, name) == getattr(second, name), name
        assert sorted(first.special_discounts) == sorted(second.special_discounts)
