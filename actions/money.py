"""Currencies, their minor units, rounding and parsing of amounts typed by people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel.numbers import get_currency_symbol

from actions.errors import ValidationFailed

# Minor-unit digits per ISO 4217 currency that OrderDesk sells in.
CURRENCY_DECIMALS: dict[str, int] = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}
MONEY_LOCALE = "en_US"  # $1,234.50, €1,234.50, £1,234.50, ¥1,235
CURRENCIES = tuple(CURRENCY_DECIMALS)

# Money columns are Numeric(19, 4); on SQLite they travel as binary floats, exact to 15
# significant digits. Every stored amount stays below MAX_STORED (11 digits before the point,
# 4 after); a typed price, cost or discount stays below MAX_AMOUNT, a quantity below
# MAX_QUANTITY, so that even their products are refused with a message, never rounded.
MAX_STORED = Decimal("100000000000")
MAX_AMOUNT = Decimal("1000000000")
MAX_QUANTITY = Decimal("1000000")
QUANTITY_DECIMALS = 4


def minor_unit(currency: str) -> Decimal:
    """Return the smallest amount of a currency, e.g. Decimal('0.01') for USD."""
    return Decimal(1).scaleb(-CURRENCY_DECIMALS[currency])


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def parse_number(text: str | Decimal, *, refusal_message: str, field: str) -> Decimal:
    """A finite number written with the digits 0-9 ('١٢' and 'NaN' are refused, the same way
    everywhere). Raises: ValidationFailed with the message, naming the field."""
    refusal = ValidationFailed(refusal_message, field=field)
    if isinstance(text, Decimal):
        value = text
    else:
        raw = str(text).strip()
        if not raw.isascii():
            raise refusal
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise refusal from None
    if not value.is_finite():
        raise refusal
    return value


def check_below(value: Decimal, limit: Decimal, *, label: str, field: str) -> Decimal:
    """Raises: ValidationFailed when the value's size reaches the limit."""
    if abs(value) >= limit:
        raise ValidationFailed(f"{label}: the value must be less than {limit:,}.", field=field)
    return value


def parse_amount(text: str | Decimal, currency: str, *, field: str = "amount") -> Decimal:
    """Parse an amount, refusing non-numbers, amounts of MAX_AMOUNT or more, and more decimals
    than the currency allows.

    Raises: ValidationFailed naming the field.
    """
    value = parse_number(text, refusal_message=f"{field}: this value is not a valid number.", field=field)
    check_below(value, MAX_AMOUNT, label=field, field=field)
    decimals = CURRENCY_DECIMALS[currency]
    if value != value.quantize(minor_unit(currency), rounding=ROUND_HALF_UP):
        raise ValidationFailed(
            f"{field}: {currency} amounts allow at most {decimals} decimal places.", field=field
        )
    return value


@cache
def currency_symbol(currency: str) -> str:
    """The currency's symbol in MONEY_LOCALE, from Babel's CLDR data: '$', '€', '£', '¥'."""
    return get_currency_symbol(currency, locale=MONEY_LOCALE)


def format_money(amount: Decimal | None, currency: str) -> str:
    """Format an amount for display: '$1,234.50', '-€3.00', '¥1,235', 'N/A' when unknown.

    CLDR's en_US currency pattern (¤#,##0.00 with the currency's own digits, the minus sign
    before the symbol) written out directly: Babel's general formatter costs a hundred times
    more, and a grid page shows hundreds of amounts. A unit test holds both to the same output.
    """
    if amount is None:
        return "N/A"
    rounded = round_money(amount, currency)
    sign = "-" if rounded < 0 else ""
    return f"{sign}{currency_symbol(currency)}{abs(rounded):,.{CURRENCY_DECIMALS[currency]}f}"
