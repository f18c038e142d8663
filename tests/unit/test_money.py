"""Money: parsing what people type, half-up rounding per currency, and display."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.errors import ValidationFailed
from actions.money import CURRENCIES, MONEY_LOCALE, format_money, parse_amount, round_money

D = Decimal


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("12.34", "USD", D("12.34")),
        (" 7 ", "EUR", D("7")),
        ("0.5", "GBP", D("0.5")),
        ("1500", "JPY", D("1500")),
        (D("3.10"), "USD", D("3.10")),
    ],
)
def test_an_amount_within_the_currencys_decimals_is_accepted(text, currency, expected):
    # Given an amount with at most the currency's decimals; when parsed; then it is kept exactly
    parsed = parse_amount(text, currency)
    assert parsed == expected
    assert isinstance(parsed, Decimal)


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("1.005", "USD"),
        ("0.001", "EUR"),
        ("100.5", "JPY"),
        (D("2.999"), "GBP"),
    ],
)
def test_an_amount_with_more_decimals_than_the_currency_allows_is_refused(text, currency):
    # When an amount with too many decimals is parsed, then it is refused, naming the rule
    with pytest.raises(ValidationFailed) as refused:
        parse_amount(text, currency, field="Price")
    assert "allow at most" in refused.value.message
    assert refused.value.message.startswith("Price: ")
    assert refused.value.field == "Price"


@pytest.mark.parametrize("text", ["abc", "", "1,50", "12.3.4", "NaN", "Infinity", "-inf"])
def test_something_that_is_not_a_number_is_refused(text):
    with pytest.raises(ValidationFailed, match="this value is not a valid number"):
        parse_amount(text, "USD")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "USD", "2.35"),  # banker's rounding would give 2.34
        ("2.344", "USD", "2.34"),
        ("2.335", "USD", "2.34"),
        ("-2.345", "USD", "-2.35"),
        ("0.5", "JPY", "1"),
        ("2.5", "JPY", "3"),  # banker's rounding would give 2
        ("1.0149", "EUR", "1.01"),
    ],
)
def test_rounding_is_half_up_to_the_currencys_minor_unit(amount, currency, expected):
    rounded = round_money(D(amount), currency)
    assert rounded == D(expected)
    assert rounded.as_tuple().exponent == D(expected).as_tuple().exponent


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (D("1234.5"), "USD", "$1,234.50"),
        (D("0"), "EUR", "€0.00"),
        (D("9.999"), "GBP", "£10.00"),
        (D("1234.5"), "JPY", "¥1,235"),
        (D("-5"), "USD", "-$5.00"),
        (None, "USD", "N/A"),
    ],
)
def test_amounts_are_formatted_with_symbol_grouping_and_the_currencys_decimals(amount, currency, expected):
    assert format_money(amount, currency) == expected


@settings(max_examples=300, deadline=None)
@given(
    amount=st.decimals(min_value=Decimal("-99999999999"), max_value=Decimal("99999999999"), places=4),
    currency=st.sampled_from(CURRENCIES),
)
def test_amounts_are_formatted_exactly_as_babel_formats_them_for_en_us(amount, currency):
    # Adding zero turns a rounded -0.00 into 0.00: Babel would show "-$0.00", OrderDesk "$0.00".
    expected = format_currency(round_money(amount, currency) + 0, currency, locale=MONEY_LOCALE)
    assert format_money(amount, currency) == expected
