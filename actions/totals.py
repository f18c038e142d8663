"""The totals of an order (SPEC §2.1), computed by one pure function from plain values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from actions.errors import DiscountTooLarge, ValidationFailed
from actions.money import MAX_STORED, check_below, round_money

ZERO = Decimal("0")
HUNDRED = Decimal("100")


@dataclass(frozen=True)
class LineInput:
    unit_price: Decimal
    quantity: Decimal


@dataclass(frozen=True)
class DiscountInput:
    """A special discount (kind 'amount' or 'percent') or an applied promotion's discount.

    Promotion kinds are 'order_amount', 'order_percent' and 'shipping_percent'.
    """

    kind: str
    value: Decimal
    label: str = ""


@dataclass(frozen=True)
class TotalsRow:
    label: str
    amount: Decimal
    sign: int  # +1 adds to the total, -1 subtracts, 0 is shown only


@dataclass(frozen=True)
class Totals:
    currency: str
    line_totals: tuple[Decimal, ...]
    subtotal: Decimal
    special_discounts: tuple[Decimal, ...]
    promotion_discounts: tuple[Decimal, ...]
    shipping: Decimal | None
    shipping_discounts: tuple[Decimal, ...]
    tax: Decimal
    total: Decimal
    rows: tuple[TotalsRow, ...] = field(default=())

    @property
    def special_discounts_total(self) -> Decimal:
        return sum(self.special_discounts, ZERO)

    @property
    def promotion_discounts_total(self) -> Decimal:
        return sum(self.promotion_discounts, ZERO)

    @property
    def order_discounts_total(self) -> Decimal:
        return self.special_discounts_total + self.promotion_discounts_total

    @property
    def shipping_discounts_total(self) -> Decimal:
        return sum(self.shipping_discounts, ZERO)


def _check_percent(value: Decimal) -> None:
    if not ZERO < value <= HUNDRED:
        raise ValidationFailed("A percent discount must be greater than 0 and at most 100.")


def _order_discount(d: DiscountInput, subtotal: Decimal, currency: str) -> Decimal:
    if d.kind in ("percent", "order_percent"):
        _check_percent(d.value)
        return round_money(subtotal * d.value / HUNDRED, currency)
    if d.kind in ("amount", "order_amount"):
        if d.value <= ZERO:
            raise ValidationFailed("A discount amount must be greater than 0.")
        return round_money(d.value, currency)
    raise ValidationFailed(f"Unknown discount kind: {d.kind}.")


def compute_totals(
    currency: str,
    lines: Sequence[LineInput],
    *,
    special_discounts: Sequence[DiscountInput] = (),
    promotions: Sequence[DiscountInput] = (),
    shipping_cost: Decimal | None = None,
    tax_rate_percent: Decimal | None = None,
    tax_applies_to_shipping: bool = False,
) -> Totals:
    """Compute every totals row; amounts are rounded half-up to the currency's minor unit.

    Raises: DiscountTooLarge when the order discounts exceed the subtotal;
    ValidationFailed for a percent outside (0, 100], a non-positive amount, or totals too large
    to be kept exactly (MAX_STORED).
    """
    line_totals = tuple(round_money(li.unit_price * li.quantity, currency) for li in lines)
    subtotal = sum(line_totals, ZERO)
    special = tuple(_order_discount(d, subtotal, currency) for d in special_discounts)
    order_promos = [p for p in promotions if p.kind != "shipping_percent"]
    shipping_promos = [p for p in promotions if p.kind == "shipping_percent"]
    promo = tuple(_order_discount(p, subtotal, currency) for p in order_promos)
    if sum(special, ZERO) + sum(promo, ZERO) > subtotal:
        raise DiscountTooLarge("The sum of all discounts cannot exceed the order subtotal")

    shipping = round_money(shipping_cost, currency) if shipping_cost is not None else None
    base_shipping = shipping or ZERO
    ship_disc: list[Decimal] = []
    for p in shipping_promos:
        _check_percent(p.value)
        remaining = base_shipping - sum(ship_disc, ZERO)
        ship_disc.append(min(remaining, round_money(base_shipping * p.value / HUNDRED, currency)))

    order_discounts = sum(special, ZERO) + sum(promo, ZERO)
    shipping_net = base_shipping - sum(ship_disc, ZERO)
    tax = ZERO
    if tax_rate_percent:
        tax = round_money((subtotal - order_discounts) * tax_rate_percent / HUNDRED, currency)
        if tax_applies_to_shipping:
            tax += round_money(shipping_net * tax_rate_percent / HUNDRED, currency)
    total = subtotal - order_discounts + shipping_net + tax
    for amount in (subtotal, base_shipping, tax, total):
        check_below(amount, MAX_STORED, label="Order total", field="total")

    rows = [TotalsRow("Subtotal", subtotal, 1)]
    for d, a in zip(special_discounts, special, strict=True):
        rows.append(TotalsRow(f"{d.label} (Special Discount)" if d.label else "Special Discount", a, -1))
    rows += [TotalsRow(p.label, a, -1) for p, a in zip(order_promos, promo, strict=True)]
    if shipping is not None:
        rows.append(TotalsRow("Shipping", shipping, 1))
    rows += [TotalsRow(p.label, a, -1) for p, a in zip(shipping_promos, ship_disc, strict=True)]
    rows.append(TotalsRow("Tax", tax, 1))
    rows.append(TotalsRow("Total", total, 0))
    return Totals(
        currency=currency,
        line_totals=line_totals,
        subtotal=subtotal,
        special_discounts=special,
        promotion_discounts=promo,
        shipping=shipping,
        shipping_discounts=tuple(ship_disc),
        tax=tax,
        total=total,
        rows=tuple(rows),
    )
