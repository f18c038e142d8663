"""The demo's promotions and coupons (SPEC §9), with documented codes (README, "Demo coupon
codes"): some valid, one expired, one used up, one disabled, ... so a visitor can try every
message of Add Coupon Code. Built after the demo orders, so only orders created or edited
afterwards pick up the automatic promotion; coupons go on a few open orders through
`apply_coupon`, the action the Add Coupon Code dialog uses."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.coupons import check_new_coupon, generate_coupons
from actions.discounts import apply_coupon
from actions.errors import DomainError
from actions.promotions import check_promotion
from models import Coupon, InternalStatus, Order, Promotion

PAST = datetime(2020, 1, 1, tzinfo=UTC)
FAR_FUTURE = datetime(2099, 1, 1, tzinfo=UTC)


class DemoCoupon(NamedTuple):
    code: str
    promotion: str
    demonstrates: str
    terms: dict[str, Any]


# name -> (kind, value, currency, minimum subtotal, active, requires coupon)
DEMO_PROMOTIONS: dict[str, tuple[str, Decimal, str | None, Decimal | None, bool, bool]] = {
    "Spring Sale 10%": ("order_percent", Decimal("10"), None, None, True, True),
    "Welcome $20 off": ("order_amount", Decimal("20"), "USD", Decimal("100"), True, True),
    "Half-price shipping": ("shipping_percent", Decimal("50"), None, None, True, True),
    "Flash Deal 5%": ("order_percent", Decimal("5"), None, None, True, True),
    "Winter Sale 15%": ("order_percent", Decimal("15"), None, None, True, True),
    "Clearance 30% (ended)": ("order_percent", Decimal("30"), None, None, False, True),
    "Free shipping over $250": ("shipping_percent", Decimal("100"), "USD", Decimal("250"), True, False),
}

UNLIMITED: dict[str, Any] = {"uses_per_coupon": None, "uses_per_customer_user": None}
DEMO_COUPONS: tuple[DemoCoupon, ...] = (
    DemoCoupon("SPRING10", "Spring Sale 10%", "valid: 10% off any order, unlimited uses", UNLIMITED),
    DemoCoupon(
        "VIP10",
        "Spring Sale 10%",
        "valid alone; after SPRING10 on the same order: a coupon of the same promotion is already applied",
        UNLIMITED,
    ),
    DemoCoupon(
        "WELCOME20",
        "Welcome $20 off",
        "valid on USD orders of $100 or more; "
        "refused below $100 (minimum subtotal) and on EUR orders (currency); "
        "once per customer user",
        {"uses_per_coupon": 1000, "uses_per_customer_user": 1},
    ),
    DemoCoupon("SHIPHALF", "Half-price shipping", "valid: 50% off shipping", UNLIMITED),
    DemoCoupon(
        "FLASH5",
        "Flash Deal 5%",
        "used up: its single use is taken by a demo order",
        {"uses_per_coupon": 1, "uses_per_customer_user": 1},
    ),
    DemoCoupon(
        "WINTER15", "Winter Sale 15%", "expired (valid until 2020-01-01)", {**UNLIMITED, "valid_until": PAST}
    ),
    DemoCoupon(
        "SUMMER99",
        "Winter Sale 15%",
        "not started yet (valid from 2099-01-01)",
        {**UNLIMITED, "valid_from": FAR_FUTURE},
    ),
    DemoCoupon("PAUSED10", "Spring Sale 10%", "disabled", {**UNLIMITED, "enabled": False}),
    DemoCoupon("CLEARANCE30", "Clearance 30% (ended)", "its promotion is inactive", UNLIMITED),
)
# Coupons put on demo orders: (code, how many open orders get it).
APPLIED = (("FLASH5", 1), ("SPRING10", 3), ("SHIPHALF", 1))


def create_promotions(session: Session, rng: random.Random, actor: Any, echo: Callable[[str], None]) -> None:
    """Create the demo promotions and coupons, a generated batch, and a few applied coupons.

    Raises: DomainError if a demo promotion or coupon breaks a rule (a bug in the seed).
    """
    echo("Creating promotions and coupons…")
    promotions: dict[str, Promotion] = {}
    for name, (kind, value, currency, minimum, active, requires) in DEMO_PROMOTIONS.items():
        promotion = Promotion(
            name=name,
            kind=kind,
            value=value,
            currency=currency,
            minimum_subtotal=minimum,
            active=active,
            requires_coupon=requires,
        )
        check_promotion(promotion)
        session.add(promotion)
        promotions[name] = promotion
    session.flush()
    for demo in DEMO_COUPONS:
        terms = {"enabled": True, "uses_per_coupon": 1, "uses_per_customer_user": 1, **demo.terms}
        coupon = Coupon(code=demo.code, promotion=promotions[demo.promotion], uses=0, **terms)
        check_new_coupon(session, coupon)
        session.add(coupon)
    session.flush()
    generate_coupons(session, promotions["Spring Sale 10%"], count=20, prefix="SPR-", code_length=6, rng=rng)
    _apply_to_open_orders(session, actor)


def _apply_to_open_orders(session: Session, actor: Any) -> None:
    """Put the APPLIED coupons on the oldest open USD orders, one coupon per order."""
    orders = list(
        session.scalars(
            select(Order)
            .where(Order.internal_status == InternalStatus.OPEN, Order.currency == "USD")
            .order_by(Order.id)
            .limit(20)
        )
    )
    for code, wanted in APPLIED:
        for _ in range(wanted):
            while orders:
                order = orders.pop(0)
                try:
                    apply_coupon(session, order, code, actor=actor)
                except DomainError:
                    continue  # e.g. its special discounts leave no room: try the next order
                break
    session.flush()
