"""Where prices, shipping costs and tax rates come from, and how an order's totals are stored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.errors import ValidationFailed
from actions.money import round_money
from actions.totals import DiscountInput, LineInput, Totals, compute_totals
from models import (
    AppliedPromotion,
    Order,
    OrderAddress,
    OrderLineItem,
    Product,
    ProductPrice,
    ShippingMethod,
    SpecialDiscount,
    TaxRule,
)


def find_price(session: Session, product: Product, currency: str, unit: str) -> Decimal:
    """Return the list price of a product for a currency and unit.

    Raises: ValidationFailed "No matching price found" when the price list has none.
    """
    value = session.scalar(
        select(ProductPrice.value).where(
            ProductPrice.product_id == product.id,
            ProductPrice.currency == currency,
            ProductPrice.unit == unit,
        )
    )
    if value is None:
        raise ValidationFailed(
            f"No matching price found for {product.sku} in {currency} per {unit}.",
            field="unit_price",
        )
    return value


def list_prices(session: Session, products: Sequence[Product], currency: str) -> dict[int, Decimal]:
    """The list price of each product in its own unit and the currency, in one query."""
    if not products:
        return {}
    units = {p.id: p.unit for p in products}
    rows = session.execute(
        select(ProductPrice.product_id, ProductPrice.unit, ProductPrice.value).where(
            ProductPrice.product_id.in_(units), ProductPrice.currency == currency
        )
    ).all()
    return {pid: value for pid, unit, value in rows if units[pid] == unit}


def estimate_shipping_cost(
    method: ShippingMethod, currency: str, quantities: Iterable[Decimal]
) -> Decimal | None:
    """Compute a flat-rate method's cost for an order; None without a price in the currency."""
    price = next((p.price for p in method.prices if p.currency == currency), None)
    if price is None:
        return None
    if method.type == "flat_per_item":
        price = price * sum(quantities, Decimal("0"))
    return round_money(price + (method.handling_fee or Decimal("0")), currency)


def shipping_options(
    session: Session, currency: str, quantities: Iterable[Decimal]
) -> list[tuple[ShippingMethod, Decimal]]:
    """List the active methods that ship in this currency, each with its cost for the order."""
    quantities = list(quantities)
    methods = session.scalars(
        select(ShippingMethod).where(ShippingMethod.active.is_(True)).order_by(ShippingMethod.name)
    ).all()
    options = []
    for method in methods:
        cost = estimate_shipping_cost(method, currency, quantities)
        if cost is not None:
            options.append((method, cost))
    return options


def find_tax_rule(session: Session, country: str | None, region: str | None) -> TaxRule | None:
    """Return the tax rule for a shipping destination: country + region first, else country."""
    if not country:
        return None
    rules = session.scalars(select(TaxRule).where(TaxRule.country == country)).all()
    exact = next((r for r in rules if region and r.region == region), None)
    return exact or next((r for r in rules if r.region is None), None)


def promotion_label(applied: AppliedPromotion) -> str:
    """The totals row of an applied promotion: its name, and the coupon code when it has one."""
    if applied.coupon_code:
        return f"{applied.promotion_name} (Coupon {applied.coupon_code})"
    return applied.promotion_name


def promotion_inputs(promotions: Sequence[AppliedPromotion]) -> list[DiscountInput]:
    """The active applied promotions as totals input, in the order they were applied."""
    return [DiscountInput(p.kind, p.value, promotion_label(p)) for p in promotions if p.active]


def totals_for(
    session: Session,
    currency: str,
    lines: Sequence[OrderLineItem],
    discounts: Sequence[SpecialDiscount],
    shipping_cost: Decimal | None,
    shipping_address: OrderAddress | None,
    promotions: Sequence[AppliedPromotion] = (),
) -> Totals:
    """Compute totals from an order's parts, whether or not they are on an order yet.

    Only the active ones of `promotions` count.
    Raises: DiscountTooLarge, ValidationFailed (from compute_totals).
    """
    address = shipping_address
    rule = find_tax_rule(session, address.country, address.region) if address else None
    return compute_totals(
        currency,
        [LineInput(li.unit_price, li.quantity) for li in lines],
        special_discounts=[DiscountInput(d.type, d.value, d.description or "") for d in discounts],
        promotions=promotion_inputs(promotions),
        shipping_cost=shipping_cost,
        tax_rate_percent=rule.rate_percent if rule else None,
        tax_applies_to_shipping=bool(rule and rule.applies_to_shipping),
    )


def order_totals(session: Session, order: Order) -> Totals:
    """Compute an order's totals from its current lines, discounts, shipping and address.

    Raises: DiscountTooLarge, ValidationFailed (from compute_totals).
    """
    return totals_for(
        session,
        order.currency,
        order.line_items,
        order.special_discounts,
        order.effective_shipping_cost,
        order.shipping_address,
        order.applied_promotions,
    )


def store_totals(order: Order, totals: Totals) -> None:
    """Copy computed totals onto the order, its discounts and its applied promotions."""
    order.subtotal = totals.subtotal
    order.special_discounts_total = totals.special_discounts_total
    order.promotion_discounts_total = totals.promotion_discounts_total
    order.shipping_cost = totals.shipping if totals.shipping is not None else Decimal("0")
    order.shipping_discounts_total = totals.shipping_discounts_total
    order.tax_total = totals.tax
    order.total = totals.total
    for discount, amount in zip(order.special_discounts, totals.special_discounts, strict=True):
        discount.amount = amount
    active = [p for p in order.applied_promotions if p.active]
    for applied in order.applied_promotions:
        if not applied.active and applied.amount != 0:
            applied.amount = Decimal("0")
    # compute_totals keeps each group in the order given: order discounts, then shipping ones.
    for group, amounts in (
        ([p for p in active if p.kind != "shipping_percent"], totals.promotion_discounts),
        ([p for p in active if p.kind == "shipping_percent"], totals.shipping_discounts),
    ):
        for applied, amount in zip(group, amounts, strict=True):
            if applied.amount != amount:
                applied.amount = amount


def recalculate(session: Session, order: Order) -> Totals:
    """Recompute and store an order's totals; call after every change that affects them.

    Raises: DiscountTooLarge, ValidationFailed.
    """
    totals = order_totals(session, order)
    store_totals(order, totals)
    return totals
