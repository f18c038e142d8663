"""Discounts on one open order (SPEC §7): Add Coupon Code, Add Special Discount, and managing
what is applied: edit/remove a special discount, deactivate/activate a promotion, remove a
coupon. Each checks everything (totals included) before it changes anything, recomputes the
totals in the same transaction and leaves the commit to the caller."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from actions.audit import set_actor
from actions.coupons import check_coupon, drop_applied_coupon, take_coupon_use
from actions.editing import STALE_MESSAGE, check_editable
from actions.errors import DomainError, StaleOrder
from actions.order_input import DiscountData, build_discount
from actions.pricing import recalculate, totals_for
from actions.promotions import applied_from, line_subtotal
from models import AppliedPromotion, Order, SpecialDiscount, User, utcnow


def _prepare(session: Session, order: Order, actor: User | None) -> None:
    check_editable(order, actor=actor)


def _check_totals(
    session: Session,
    order: Order,
    *,
    discounts: Sequence[SpecialDiscount] | None = None,
    promotions: Sequence[AppliedPromotion] | None = None,
) -> None:
    """Raises: DiscountTooLarge or ValidationFailed if the order would have these discounts."""
    totals_for(
        session,
        order.currency,
        order.line_items,
        order.special_discounts if discounts is None else discounts,
        order.effective_shipping_cost,
        order.shipping_address,
        order.applied_promotions if promotions is None else promotions,
    )


def _save(session: Session, order: Order, actor: User | None) -> None:
    if actor is not None:
        set_actor(session, actor.id)
    with session.no_autoflush:  # new discounts are inserted with their amounts, not 0
        recalculate(session, order)
    try:
        session.flush()
    except StaleDataError:
        raise StaleOrder(STALE_MESSAGE) from None


def _applied(order: Order, applied_id: int) -> AppliedPromotion:
    found = next((p for p in order.applied_promotions if p.id == applied_id), None)
    if found is None:
        raise DomainError("This promotion is not applied to the order (it may have been removed already).")
    return found


def _special(order: Order, discount_id: int) -> SpecialDiscount:
    found = next((d for d in order.special_discounts if d.id == discount_id), None)
    if found is None:
        raise DomainError("This discount is not on the order (it may have been removed already).")
    return found


def apply_coupon(
    session: Session, order: Order, code: str, *, actor: User | None, now: datetime | None = None
) -> AppliedPromotion:
    """Add Coupon Code: put the coupon's promotion on the order and count the use.

    Raises: PermissionDenied, OrderNotEditable, CouponNotApplicable (SPEC §7's checks, in
    order; the usage limits hold under concurrent requests), DiscountTooLarge.
    """
    _prepare(session, order, actor)
    coupon = check_coupon(session, order, code, subtotal=line_subtotal(order), now=now or utcnow())
    applied = applied_from(coupon.promotion, coupon)
    applied.customer_user_id = order.customer_user_id
    _check_totals(session, order, promotions=[*order.applied_promotions, applied])
    take_coupon_use(session, coupon, order.customer_user_id)  # the first change
    order.applied_promotions.append(applied)
    _save(session, order, actor)
    return applied


def remove_coupon(session: Session, order: Order, applied_id: int, *, actor: User | None) -> AppliedPromotion:
    """Take a coupon off the order; its use is given back and the totals follow.

    Raises: PermissionDenied, OrderNotEditable, DomainError for an automatic promotion
    (deactivate it instead) or one not on the order.
    """
    _prepare(session, order, actor)
    applied = _applied(order, applied_id)
    if applied.coupon_id is None:
        raise DomainError("An automatic promotion cannot be removed; deactivate it instead.")
    drop_applied_coupon(session, order, applied)
    _save(session, order, actor)
    return applied


def set_promotion_active(
    session: Session, order: Order, applied_id: int, active: bool, *, actor: User | None
) -> AppliedPromotion:
    """Deactivate (kept, no discount) or re-activate a promotion applied to the order.

    Raises: PermissionDenied, OrderNotEditable, DomainError when it is not on the order,
    DiscountTooLarge when re-activating would make the discounts exceed the subtotal.
    """
    _prepare(session, order, actor)
    applied = _applied(order, applied_id)
    if applied.active == active:
        return applied
    if active:
        _check_totals(
            session, order, promotions=[p for p in order.applied_promotions if p.active or p is applied]
        )
    applied.active = active
    _save(session, order, actor)
    return applied


def _clean(data: DiscountData) -> DiscountData:
    return DiscountData(
        type=data.type, value=data.value, description=(data.description or "").strip()[:255] or None
    )


def add_special_discount(
    session: Session, order: Order, data: DiscountData, *, actor: User | None
) -> SpecialDiscount:
    """Add Special Discount: an amount in the order's currency, or a percent of the subtotal.

    Raises: PermissionDenied, OrderNotEditable, ValidationFailed (type, a percent outside
    (0, 100], an amount ≤ 0 or with too many decimals), DiscountTooLarge.
    """
    _prepare(session, order, actor)
    discount = build_discount(_clean(data), order.currency)
    _check_totals(session, order, discounts=[*order.special_discounts, discount])
    order.special_discounts.append(discount)
    _save(session, order, actor)
    return discount


def update_special_discount(
    session: Session, order: Order, discount_id: int, data: DiscountData, *, actor: User | None
) -> SpecialDiscount:
    """Change a special discount's type, value or description.

    Raises: PermissionDenied, OrderNotEditable, DomainError when it is not on the order,
    ValidationFailed, DiscountTooLarge.
    """
    _prepare(session, order, actor)
    discount = _special(order, discount_id)
    changed = build_discount(_clean(data), order.currency)
    _check_totals(
        session, order, discounts=[changed if d is discount else d for d in order.special_discounts]
    )
    discount.type, discount.value = changed.type, changed.value
    discount.description = changed.description
    _save(session, order, actor)
    return discount


def remove_special_discount(session: Session, order: Order, discount_id: int, *, actor: User | None) -> None:
    """Remove a special discount; the totals follow.

    Raises: PermissionDenied, OrderNotEditable, DomainError when it is not on the order.
    """
    _prepare(session, order, actor)
    discount = _special(order, discount_id)
    order.special_discounts.remove(discount)
    _save(session, order, actor)
