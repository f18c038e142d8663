"""Coupons (SPEC §7): which code may go on an order, and their use counters.

Uses are counted per order that holds a coupon, with conditional UPDATEs (`… WHERE uses <
limit`, checking the row count), never read-then-write: N simultaneous attempts on a coupon
with k uses left grant exactly k, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from actions.errors import CouponNotApplicable, ValidationFailed
from actions.money import format_money
from actions.promotions import promotion_refusal
from models import AppliedPromotion, Coupon, CouponCustomerUserUse, Order, Promotion
from models.dialect import insert_ignoring_duplicates

# One message per refusal, in the order the checks run (SPEC §7).
MESSAGES = {
    "blank": "Please enter a coupon code.",
    "unknown": 'Coupon code "{code}" was not found.',
    "disabled": "Coupon {code} is disabled.",
    "not_started": "The {code} coupon has not started yet.",
    "expired": "Coupon {code} has expired.",
    "promotion_inactive": "No active promotion found for coupon {code}.",
    "promotion_not_started": "The promotion of coupon {code} has not started yet.",
    "promotion_ended": "The promotion of coupon {code} has ended.",
    "minimum_subtotal": "Coupon {code} needs an order subtotal of at least {amount}.",
    "currency": "Coupon {code} can only be used on orders in {currency}.",
    "coupon_limit": "Usage limit exceeded for coupon {code}.",
    "customer_user_limit": "Customer user coupon usage limit is exceeded for coupon {code}.",
    "same_promotion": "A coupon of the promotion {promotion} is already applied to this order.",
}
_PROMOTION_REASONS = {
    "inactive": "promotion_inactive",
    "not_started": "promotion_not_started",
    "ended": "promotion_ended",
    "minimum_subtotal": "minimum_subtotal",
    "currency": "currency",
}
MAX_CODE_LENGTH = 64


def refuse(reason: str, **values: str) -> CouponNotApplicable:
    """Build the refusal for a reason, worded from MESSAGES."""
    return CouponNotApplicable(reason, MESSAGES[reason].format(**values))


def code_key(code: str) -> str:
    """The form a code is stored and looked up by: surrounding spaces dropped, lower case."""
    return (code or "").strip().lower()


def find_coupon(session: Session, code: str) -> Coupon | None:
    """Find a coupon by code, ignoring case and surrounding spaces."""
    key = code_key(code)
    if not key or len(key) > MAX_CODE_LENGTH:
        return None
    return session.scalar(select(Coupon).where(Coupon.code_key == key))


def customer_user_uses(session: Session, coupon: Coupon, customer_user_id: int | None) -> int:
    """How many orders of one customer user hold the coupon now."""
    if customer_user_id is None:
        return 0
    return (
        session.scalar(
            select(CouponCustomerUserUse.uses).where(
                CouponCustomerUserUse.coupon_id == coupon.id,
                CouponCustomerUserUse.customer_user_id == customer_user_id,
            )
        )
        or 0
    )


def check_coupon(session: Session, order: Order, code: str, *, subtotal: Decimal, now: datetime) -> Coupon:
    """Find the coupon for a typed code and check it may go on the order, reading only.

    Raises: CouponNotApplicable, for the first of SPEC §7's checks that fails.
    """
    if not code_key(code):
        raise refuse("blank")
    coupon = find_coupon(session, code)
    if coupon is None:
        raise refuse("unknown", code=code.strip()[:MAX_CODE_LENGTH])
    name = coupon.code
    if not coupon.enabled:
        raise refuse("disabled", code=name)
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise refuse("not_started", code=name)
    if coupon.valid_until is not None and now > coupon.valid_until:
        raise refuse("expired", code=name)
    promotion = coupon.promotion
    refusal = promotion_refusal(promotion, order.currency, subtotal, now)
    if refusal is not None:
        minimum = promotion.minimum_subtotal or Decimal("0")
        raise refuse(
            _PROMOTION_REASONS[refusal.reason],
            code=name,
            amount=format_money(minimum, promotion.currency or order.currency),
            currency=promotion.currency or order.currency,
        )
    if coupon.uses_per_coupon is not None and coupon.uses >= coupon.uses_per_coupon:
        raise refuse("coupon_limit", code=name)
    if (
        coupon.uses_per_customer_user is not None
        and order.customer_user_id is not None
        and customer_user_uses(session, coupon, order.customer_user_id) >= coupon.uses_per_customer_user
    ):
        raise refuse("customer_user_limit", code=name)
    if any(p.promotion_id == promotion.id for p in order.applied_promotions):
        raise refuse("same_promotion", code=name, promotion=promotion.name)
    return coupon


def _take_coupon_use(session: Session, coupon: Coupon) -> bool:
    table = Coupon.__table__
    result = session.connection().execute(
        update(table)
        .where(
            table.c.id == coupon.id,
            or_(table.c.uses_per_coupon.is_(None), table.c.uses < table.c.uses_per_coupon),
        )
        .values(uses=table.c.uses + 1)
    )
    return result.rowcount == 1


def _take_customer_user_use(session: Session, coupon: Coupon, customer_user_id: int) -> bool:
    table = CouponCustomerUserUse.__table__
    session.execute(
        insert_ignoring_duplicates(
            table,
            {"coupon_id": coupon.id, "customer_user_id": customer_user_id, "uses": 0},
            ("coupon_id", "customer_user_id"),
            session.connection().dialect.name,
        )
    )
    condition = [table.c.coupon_id == coupon.id, table.c.customer_user_id == customer_user_id]
    if coupon.uses_per_customer_user is not None:
        condition.append(table.c.uses < coupon.uses_per_customer_user)
    result = session.connection().execute(update(table).where(*condition).values(uses=table.c.uses + 1))
    return result.rowcount == 1


def _give_back(session: Session, coupon_id: int, customer_user_id: int | None) -> None:
    coupons = Coupon.__table__
    session.execute(
        update(coupons).where(coupons.c.id == coupon_id, coupons.c.uses > 0).values(uses=coupons.c.uses - 1)
    )
    if customer_user_id is not None:
        per_user = CouponCustomerUserUse.__table__
        session.execute(
            update(per_user)
            .where(
                per_user.c.coupon_id == coupon_id,
                per_user.c.customer_user_id == customer_user_id,
                per_user.c.uses > 0,
            )
            .values(uses=per_user.c.uses - 1)
        )


def take_coupon_use(session: Session, coupon: Coupon, customer_user_id: int | None) -> None:
    """Count one more order holding the coupon, for the coupon and for the customer user.

    Each counter moves only while under its limit (a conditional UPDATE): when a concurrent
    request took the last use first, this one is refused and nothing stays counted.
    Raises: CouponNotApplicable (coupon_limit or customer_user_limit).
    """
    if not _take_coupon_use(session, coupon):
        session.expire(coupon, ["uses"])
        raise refuse("coupon_limit", code=coupon.code)
    if customer_user_id is not None and not _take_customer_user_use(session, coupon, customer_user_id):
        _give_back(session, coupon.id, None)
        session.expire(coupon, ["uses"])
        raise refuse("customer_user_limit", code=coupon.code)
    session.expire(coupon, ["uses"])


def release_coupon_use(session: Session, applied: AppliedPromotion) -> None:
    """Give back the use an applied coupon holds (once; automatic promotions hold none)."""
    if applied.coupon_id is None or applied.use_released:
        return
    _give_back(session, applied.coupon_id, applied.customer_user_id)
    applied.use_released = True
    if applied.coupon is not None:
        session.expire(applied.coupon, ["uses"])


def release_coupon_uses(session: Session, order: Order) -> None:
    """Give back every coupon use an order holds: it is cancelled or deleted."""
    for applied in order.applied_promotions:
        release_coupon_use(session, applied)


def drop_applied_coupon(session: Session, order: Order, applied: AppliedPromotion) -> None:
    """Take a coupon off an order and give its use back; the caller recalculates totals."""
    release_coupon_use(session, applied)
    order.applied_promotions.remove(applied)
    session.delete(applied)


# ---- Marketing > Coupons: creating, generating, enabling ----------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
MAX_BATCH = 1000
_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def check_new_coupon(session: Session, coupon: Coupon) -> None:
    """Check a coupon typed in one by one, and set its lookup key.

    Raises: ValidationFailed for a blank, over-long, oddly spelled or taken code, a limit
    below 1, or a validity that ends before it starts.
    """
    code = (coupon.code or "").strip()
    if not code:
        raise ValidationFailed("Coupon Code: this value should not be blank.", field="code")
    if len(code) > MAX_CODE_LENGTH or not set(code) <= _CODE_CHARS:
        raise ValidationFailed(
            f"Coupon Code: use up to {MAX_CODE_LENGTH} letters, digits, dashes or underscores.", field="code"
        )
    with session.no_autoflush:  # the coupon may be pending already, without its key
        taken = session.scalar(
            select(Coupon.id).where(Coupon.code_key == code_key(code), Coupon.id != (coupon.id or 0))
        )
    if taken is not None:
        raise ValidationFailed(f"Coupon Code: {code} already exists (codes ignore case).", field="code")
    _check_terms(coupon.uses_per_coupon, coupon.uses_per_customer_user, coupon.valid_from, coupon.valid_until)
    coupon.code, coupon.code_key = code, code_key(code)


def _check_terms(
    per_coupon: int | None, per_user: int | None, valid_from: datetime | None, valid_until: datetime | None
) -> None:
    for label, limit in (("Uses per coupon", per_coupon), ("Uses per customer user", per_user)):
        if limit is not None and limit < 1:
            raise ValidationFailed(
                f"{label}: at least 1, or empty for unlimited.", field=label.lower().replace(" ", "_")
            )
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationFailed("Valid until: the end must not be before the start.", field="valid_until")


def generate_coupons(
    session: Session,
    promotion: Promotion,
    *,
    count: int,
    prefix: str = "",
    code_length: int = 8,
    uses_per_coupon: int | None = 1,
    uses_per_customer_user: int | None = 1,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    rng: random.Random | None = None,
) -> list[Coupon]:
    """Create `count` coupons of a promotion: prefix + random letters and digits, all new.

    Raises: ValidationFailed for a count outside 1..1000, a length outside 4..32, a prefix
    that is not letters, digits or dashes, or bad limits/validity.
    """
    prefix = (prefix or "").strip().upper()
    if not 1 <= count <= MAX_BATCH:
        raise ValidationFailed(f"Count: between 1 and {MAX_BATCH}.", field="count")
    if not 4 <= code_length <= 32:
        raise ValidationFailed("Code length: between 4 and 32 characters.", field="code_length")
    if len(prefix) > 20 or not set(prefix) <= _CODE_CHARS:
        raise ValidationFailed("Prefix: up to 20 letters, digits, dashes or underscores.", field="prefix")
    _check_terms(uses_per_coupon, uses_per_customer_user, valid_from, valid_until)
    rng = rng or secrets.SystemRandom()
    codes: dict[str, str] = {}
    for _attempt in range(20):
        while len(codes) < count:
            code = prefix + "".join(rng.choice(CODE_ALPHABET) for _ in range(code_length))
            codes[code_key(code)] = code
        taken = set(session.scalars(select(Coupon.code_key).where(Coupon.code_key.in_(list(codes)))))
        for key in taken:
            del codes[key]
        if not taken:
            break
    if len(codes) < count:
        raise ValidationFailed(
            "Code length: too short for that many new codes; make it longer.", field="code_length"
        )
    made = [
        Coupon(
            code=code,
            code_key=key,
            promotion=promotion,
            enabled=True,
            uses=0,
            uses_per_coupon=uses_per_coupon,
            uses_per_customer_user=uses_per_customer_user,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        for key, code in codes.items()
    ]
    session.add_all(made)
    session.flush()
    return made


def set_coupons_enabled(session: Session, ids: list[int], enabled: bool) -> int:
    """Enable or disable the coupons with these ids; return how many changed."""
    coupons = session.scalars(select(Coupon).where(Coupon.id.in_(ids))).all() if ids else []
    changed = 0
    for coupon in coupons:
        if coupon.enabled != enabled:
            coupon.enabled = enabled
            changed += 1
    session.flush()
    return changed
