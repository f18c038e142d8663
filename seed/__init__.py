"""The deterministic demo instance (SPEC §9): reference data, then orders in every status.

`seed_demo` is a caller of actions/, like a CLI command: it commits what it builds. The
first min(orders, 500) orders go through `create_order` and reach their statuses through
the shipping and lifecycle actions (with audit rows); the rest take the bulk volume path in
seed/volume.py (no audit rows, same plans, same totals function). Past 2,500 orders the
customers, their users and the products grow with the orders (seed/sizing.py, seed/crowd.py).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.rollups import rebuild_rollups
from models import Customer, CustomerUser, Order, OrderLineItem, Product, User, utcnow
from models.orders import INTERNAL_STATUSES, SHIPPING_STATUSES
from models.storage import Storage
from seed.activities import add_demo_activities
from seed.crowd import add_customers, add_products
from seed.documents import create_documents
from seed.orders import create_orders
from seed.plan import plan_order
from seed.pools import load_pools
from seed.promotions import DEMO_COUPONS, create_promotions
from seed.reference import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoLogin,
    create_catalog,
    create_customers,
    create_users,
)
from seed.sizing import demo_size
from seed.volume import insert_volume

__all__ = ["DEMO_COUPONS", "DEMO_LOGINS", "DEMO_PASSWORD", "ORM_ORDERS", "DemoLogin", "seed_demo"]

# Orders up to this many are created through create_order; the rest are bulk-inserted.
ORM_ORDERS = 500


def _build_reference_data(session: Session, seed: int, echo: Callable[[str], None]) -> None:
    echo("Creating users, payment terms, shipping methods, tax rules, products, customers…")
    rng = random.Random(seed)
    users = create_users(session)
    terms = create_catalog(session, rng)
    create_customers(session, rng, seed, users[:3], terms)
    create_documents(session, rng, users[2])
    session.commit()


def _scale_reference_data(
    session: Session, orders: int, seed: int, now: datetime, echo: Callable[[str], None]
) -> None:
    """A volume demo: more customers, buyers and products, for the orders there will be."""
    size = demo_size(orders)
    add_customers(session, size, seed=seed, now=now, echo=echo)
    add_products(session, size, seed=seed, now=now, echo=echo)
    session.commit()


def _report(session: Session, seconds: float) -> str:
    def count(model: type) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    def per(column: Any, codes: tuple[str, ...]) -> str:
        found: dict[str, int] = dict(session.execute(select(column, func.count()).group_by(column)).all())
        return ", ".join(f"{code} {found.get(code, 0):,}" for code in codes)

    logins = ", ".join(f"{login.email} ({login.role})" for login in DEMO_LOGINS)
    return "\n".join(
        [
            f"Demo ready in {seconds:.1f} s: {count(Order):,} orders ({count(OrderLineItem):,} lines), "
            f"{count(Customer):,} customers, {count(CustomerUser):,} customer users, "
            f"{count(Product):,} products, {count(User):,} users.",
            f"Internal status: {per(Order.internal_status, INTERNAL_STATUSES)}.",
            f"Shipping status: {per(Order.shipping_status, SHIPPING_STATUSES)}.",
            f"Logins: {logins}; password {DEMO_PASSWORD}.",
        ]
    )


def seed_demo(
    session: Session,
    *,
    storage: Storage,
    orders: int = 300,
    seed: int = 42,
    if_empty: bool = False,
    echo: Callable[[str], None] = print,
) -> str:
    """Build the demo (or add `orders` orders to an existing one) and commit; return a report.

    The demo attachments are written to `storage`, the app's.
    With `if_empty`, a database that has any user is left alone.
    Raises: ValueError for a negative order count; DomainError if an action refuses a plan
    (a bug in the seed: nothing of the failing step is kept).
    """
    if orders < 0:
        raise ValueError("orders must be zero or more")
    if if_empty and session.scalar(select(User.id).limit(1)) is not None:
        return "The database already has users: nothing seeded (--if-empty)."
    started = time.monotonic()
    now = utcnow()
    try:
        demo_admin = select(User.id).where(User.email == DEMO_LOGINS[0].email)
        fresh = session.scalar(demo_admin) is None
        before = session.scalar(select(func.count()).select_from(Order)) or 0
        if fresh:
            _build_reference_data(session, seed, echo)
        else:
            echo("Demo reference data already present: adding orders to it.")
        _scale_reference_data(session, before + orders, seed, now, echo)
        pools = load_pools(session)
        if orders and not pools.customers:
            raise ValueError("No customer with an address to order for.")
        rng = random.Random(f"orderdesk-orders-{seed}")
        orm_count = min(orders, ORM_ORDERS)
        echo(f"Creating {orm_count:,} orders through create_order…")
        plans = [plan_order(rng, pools, i, orders, now) for i in range(orm_count)]
        ids = create_orders(session, plans, echo)
        add_demo_activities(session, ids, seed=seed, now=now, storage=storage)
        session.commit()
        if fresh:  # after the orders, so only later orders pick up the automatic promotion
            sales = session.scalar(select(User).where(User.email == DEMO_LOGINS[2].email))
            create_promotions(session, random.Random(f"orderdesk-promotions-{seed}"), sales, echo)
            session.commit()
        if orders > orm_count:
            echo(f"Bulk-inserting {orders - orm_count:,} more orders…")
            insert_volume(
                session,
                rng,
                pools,
                first_position=orm_count,
                total=orders,
                now=now,
                source_ids=ids,
                echo=echo,
            )
        # The bulk inserts and the back-dating bypass the flush that keeps the dashboard's totals.
        rebuild_rollups(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return _report(session, time.monotonic() - started)
