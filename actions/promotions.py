"""Promotions (SPEC §7): their rules, whether one applies to an order now, and the automatic
ones (no coupon needed) that join an order when it is created or edited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from actions.errors import DiscountTooLarge, ValidationFailed
from actions.money import CURRENCIES, CURRENCY_DECIMALS, minor_unit
from actions.pricing import totals_for
from actions.totals import LineInput, compute_totals
from models import AppliedPromotion, Coupon, Order, Promotion, utcnow
from models.promotions import PROMOTION_KINDS

HUNDRED = Decimal("100")


def check_promotion_deletable(promotion: Promotion) -> None:
    """Raises: ValidationFailed while the promotion has coupons (their orders refer to them)."""
    if promotion.coupons:
        raise ValidationFailed(f"Promotion {promotion.name} has coupons; make it inactive instead.")


def check_promotion(promotion: Promotion) -> None:
    """Check a promotion's terms before it is saved.

    An empty currency from a form means none.
    Raises: ValidationFailed naming the field: blank name, unknown kind, a percent outside
    (0, 100], an amount ≤ 0 or without a currency, an unknown currency, too many decimals,
    a negative minimum subtotal, or an end before the start.
    """
    promotion.currency = promotion.currency or None
    if not (promotion.name or "").strip():
        raise ValidationFailed("Name: this value should not be blank.", field="name")
    if promotion.kind not in PROMOTION_KINDS:
        raise ValidationFailed(
            "Discount kind: choose order percent, order amount or shipping percent.", field="kind"
        )
    value = promotion.value
    if value is None:
        raise ValidationFailed("Value: this value should not be blank.", field="value")
    if promotion.currency is not None and promotion.currency not in CURRENCIES:
        raise ValidationFailed(f"Currency: {promotion.currency!r} is not a valid currency.", field="currency")
    if promotion.kind == "order_amount":
        if promotion.currency is None:
            raise ValidationFailed(
                "Currency: an order amount promotion needs the currency of its amount.", field="currency"
            )
        if value <= 0:
            raise ValidationFailed("Value: a discount amount must be greater than 0.", field="value")
        _check_decimals(value, promotion.currency, "Value")
    elif not Decimal("0") < value <= HUNDRED:
        raise ValidationFailed(
            "Value: a percent discount must be greater than 0 and at most 100.", field="value"
        )
    if promotion.minimum_subtotal is not None:
        if promotion.minimum_subtotal < 0:
            raise ValidationFailed(
                "Minimum subtotal: this value cannot be negative.", field="minimum_subtotal"
            )
        if promotion.currency is not None:
            _check_decimals(promotion.minimum_subtotal, promotion.currency, "Minimum subtotal")
    if promotion.starts_at and promotion.ends_at and promotion.ends_at < promotion.starts_at:
        raise ValidationFailed("Ends at: the end must not be before the start.", field="ends_at")


def _check_decimals(value: Decimal, currency: str, label: str) -> None:
    if value != value.quantize(minor_unit(currency)):
        raise ValidationFailed(
            f"{label}: {currency} amounts allow at most {CURRENCY_DECIMALS[currency]} decimal places.",
            field=label.lower().replace(" ", "_"),
        )


@dataclass(frozen=True)
class Refusal:
    """Why a promotion does not apply to an order; `reason` is a stable code."""

    reason: str  # inactive, not_started, ended, minimum_subtotal, currency
    promotion: Promotion


def promotion_refusal(
    promotion: Promotion, currency: str, subtotal: Decimal, now: datetime
) -> Refusal | None:
    """Tell why a promotion cannot apply to an order in `currency` with `subtotal`, if it can't.

    The checks run in SPEC §7's order: active and within its dates, minimum subtotal, then
    currency. A minimum subtotal is in the promotion's currency when it has one (so it is only
    compared with an order in that currency), else in the order's currency.
    """
    if not promotion.active:
        return Refusal("inactive", promotion)
    if promotion.starts_at is not None and now < promotion.starts_at:
        return Refusal("not_started", promotion)
    if promotion.ends_at is not None and now > promotion.ends_at:
        return Refusal("ended", promotion)
    same_currency = promotion.currency is None or promotion.currency == currency
    if promotion.minimum_subtotal is not None and same_currency and subtotal < promotion.minimum_subtotal:
        return Refusal("minimum_subtotal", promotion)
    if not same_currency:
        return Refusal("currency", promotion)
    return None


def line_subtotal(order: Order) -> Decimal:
    """The order's subtotal from its lines (no discounts needed)."""
    return compute_totals(
        order.currency, [LineInput(li.unit_price, li.quantity) for li in order.line_items]
    ).subtotal


def applied_from(promotion: Promotion, coupon: Coupon | None = None) -> AppliedPromotion:
    """A snapshot of a promotion's terms for one order: later edits to it change no order."""
    return AppliedPromotion(
        promotion=promotion,
        promotion_id=promotion.id,
        coupon=coupon,
        coupon_id=coupon.id if coupon else None,
        coupon_code=coupon.code if coupon else None,
        promotion_name=promotion.name,
        kind=promotion.kind,
        value=promotion.value,
        currency=promotion.currency,
        active=True,
        amount=Decimal("0"),
        use_released=False,
    )


def automatic_promotions(session: Session) -> list[Promotion]:
    """The active promotions that need no coupon, oldest first."""
    return list(
        session.scalars(
            select(Promotion)
            .where(Promotion.active.is_(True), Promotion.requires_coupon.is_(False))
            .order_by(Promotion.id)
        )
    )


def _fits(session: Session, order: Order, promotions: list[AppliedPromotion]) -> bool:
    try:
        totals_for(
            session,
            order.currency,
            order.line_items,
            order.special_discounts,
            order.effective_shipping_cost,
            order.shipping_address,
            promotions,
        )
    except DiscountTooLarge:
        return False
    return True


def apply_automatic_promotions(
    session: Session, order: Order, *, now: datetime | None = None
) -> list[AppliedPromotion]:
    """Bring an open order's automatic promotions up to date; return the ones added.

    Adds each automatic promotion whose conditions hold and that is not on the order yet
    (one the user deactivated stays deactivated); drops active automatic ones whose
    conditions no longer hold. A promotion that would make the discounts exceed the subtotal
    is not added. Call it before recalculating the totals. Raises: nothing.
    """
    now = now or utcnow()
    subtotal = line_subtotal(order)
    current = list(order.applied_promotions)
    on_order = {p.promotion_id for p in current}  # through a coupon or automatically
    for applied in current:
        if applied.coupon_id is not None or applied.coupon is not None or not applied.active:
            continue
        promotion = applied.promotion
        if (
            promotion is None
            or promotion.requires_coupon
            or promotion_refusal(promotion, order.currency, subtotal, now) is not None
        ):
            order.applied_promotions.remove(applied)
            if inspect(applied).persistent:
                session.delete(applied)
    added = []
    for promotion in automatic_promotions(session):
        if promotion.id in on_order:
            continue
        if promotion_refusal(promotion, order.currency, subtotal, now) is not None:
            continue
        candidate = applied_from(promotion)
        if _fits(session, order, [*order.applied_promotions, candidate]):
            order.applied_promotions.append(candidate)
            added.append(candidate)
    return added
