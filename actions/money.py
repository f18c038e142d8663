"""Currencies, their minor units, rounding and parsing of amounts typed by people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from actions.errors import ValidationFailed

# Minor-unit digits per ISO 4217 currency that OrderDesk sells in.
CURRENCY_DECIMALS: dict[str, int] = {"USD": 2, "EUR": 2, "GBP": 2, "JPY": 0}
CURRENCY_SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
CURRENCIES = tuple(CURRENCY_DECIMALS)


def minor_unit(currency: str) -> Decimal:
    """Return the smallest amount of a currency, e.g. Decimal('0.01') for USD."""
    return Decimal(1).scaleb(-CURRENCY_DECIMALS[currency])


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit."""
    return amount.quantize(minor_unit(currency), rounding=ROUND_HALF_UP)


def parse_amount(text: str | Decimal, currency: str, *, field: str = "amount") -> Decimal:
    """Parse an amount, refusing non-numbers and more decimals than the currency allows.

    Raises: ValidationFailed naming the field.
    """
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip())
    except InvalidOperation:
        raise ValidationFailed(f"{field}: this value is not a valid number.", field=field) from None
    if not value.is_finite():
        raise ValidationFailed(f"{field}: this value is not a valid number.", field=field)
    decimals = CURRENCY_DECIMALS[currency]
    if value != value.quantize(minor_unit(currency), rounding=ROUND_HALF_UP):
        raise ValidationFailed(
            f"{field}: {currency} amounts allow at most {decimals} decimal places.", field=field
        )
    return value


def format_money(amount: Decimal | None, currency: str) -> str:
    """Format an amount for display: '$1,234.50', '¥1,235', 'N/A' when unknown."""
    if amount is None:
        return "N/A"
    rounded = round_money(amount, currency)
    sign = "-" if rounded < 0 else ""
    digits = f"{abs(rounded):,.{CURRENCY_DECIMALS[currency]}f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}"
