"""The volume path: demo orders beyond the first few hundred, stored with bulk Core inserts.

Each order is planned exactly like the create_order path (seed/plan.py); its totals come
from the same pure `actions.totals.compute_totals`, its shipping estimate from
`actions.pricing.estimate_shipping_cost`, its number from `order_identifier(id)` with ids
assigned up front (max(id) + 1 …). Rows go in per chunk with executemany: order address
copies, orders, lines, special discounts, trackings, then one commit per chunk.

Volume orders have no audit rows: they were never "changed" by anyone, and an audit row per
bulk order would double the volume without telling a reader anything.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from actions.order_input import ADDRESS_FIELDS
from actions.pricing import estimate_shipping_cost
from actions.totals import DiscountInput, LineInput, Totals, compute_totals
from models import (
    Order,
    OrderAddress,
    OrderLineItem,
    ShippingTracking,
    SpecialDiscount,
    order_identifier,
)
from seed.plan import OrderPlan, plan_order
from seed.pools import AddressInfo, Pools

CHUNK = 5_000
ZERO = Decimal("0")


def plan_totals(plan: OrderPlan, pools: Pools) -> tuple[Decimal | None, Totals]:
    """Return the estimated shipping cost and the totals create_order would store."""
    estimated = (
        estimate_shipping_cost(
            plan.method,
            plan.currency,  # type: ignore[arg-type]
            [li.quantity for li in plan.lines],
        )
        if plan.method
        else None
    )
    shipping = plan.overridden_shipping_cost if plan.overridden_shipping_cost is not None else estimated
    rule = pools.tax_for(plan.shipping.values["country"], plan.shipping.values["region"])
    totals = compute_totals(
        plan.currency,
        [LineInput(li.unit_price, li.quantity) for li in plan.lines],
        special_discounts=[DiscountInput(t, v, d) for t, v, d in plan.discounts],
        shipping_cost=shipping,
        tax_rate_percent=rule.rate_percent if rule else None,
        tax_applies_to_shipping=bool(rule and rule.applies_to_shipping),
    )
    return estimated, totals


def _address_row(address_id: int, entry: AddressInfo) -> dict[str, Any]:
    row = {k: entry.values[k] for k in ADDRESS_FIELDS}
    row["id"] = address_id
    row["customer_address_id"] = entry.id if entry.book == "customer" else None
    row["customer_user_address_id"] = entry.id if entry.book == "customer_user" else None
    return row


class _Rows:
    def __init__(self) -> None:
        self.addresses: list[dict[str, Any]] = []
        self.orders: list[dict[str, Any]] = []
        self.lines: list[dict[str, Any]] = []
        self.discounts: list[dict[str, Any]] = []
        self.trackings: list[dict[str, Any]] = []

    def add(
        self, order_id: int, address_id: int, plan: OrderPlan, pools: Pools, source_id: int | None
    ) -> None:
        estimated, totals = plan_totals(plan, pools)
        self.addresses.append(_address_row(address_id, plan.billing))
        self.addresses.append(_address_row(address_id + 1, plan.shipping))
        self.orders.append(
            {
                "id": order_id,
                "identifier": order_identifier(order_id),
                "po_number": plan.po_number,
                "customer_id": plan.customer.id,
                "customer_user_id": plan.buyer.id if plan.buyer else None,
                "currency": plan.currency,
                "owner_id": plan.owner_id,
                "created_by_id": plan.owner_id,
                "ship_until": plan.ship_until,
                "customer_notes": plan.customer_notes,
                "payment_term_id": plan.payment_term_id,
                "payment_method": plan.payment_method,
                "billing_address_id": address_id,
                "shipping_address_id": address_id + 1,
                "shipping_method_id": plan.method.id if plan.method else None,
                "estimated_shipping_cost": estimated,
                "overridden_shipping_cost": plan.overridden_shipping_cost,
                "internal_status": plan.internal_status,
                "shipping_status": plan.shipping_status,
                "payment_status": plan.payment_status,
                "source_type": "order" if source_id is not None else None,
                "source_id": source_id,
                "source_identifier": order_identifier(source_id) if source_id is not None else None,
                "subtotal": totals.subtotal,
                "special_discounts_total": totals.special_discounts_total,
                "promotion_discounts_total": totals.promotion_discounts_total,
                "shipping_cost": totals.shipping if totals.shipping is not None else ZERO,
                "shipping_discounts_total": totals.shipping_discounts_total,
                "tax_total": totals.tax,
                "total": totals.total,
                "version": 1,
                "created_at": plan.created_at,
                "updated_at": plan.updated_at,
            }
        )
        for li in plan.lines:
            self.lines.append(
                {
                    "order_id": order_id,
                    "product_id": li.product.id,
                    "product_sku": li.product.sku,
                    "product_name": li.product.name,
                    "free_form": False,
                    "quantity": li.quantity,
                    "unit": li.product.unit,
                    "unit_price": li.unit_price,
                    "ship_by": li.ship_by,
                    "notes": li.notes,
                    "shipped_quantity": li.shipped_quantity,
                }
            )
        for (kind, value, description), amount in zip(plan.discounts, totals.special_discounts, strict=True):
            self.discounts.append(
                {
                    "order_id": order_id,
                    "type": kind,
                    "value": value,
                    "description": description,
                    "amount": amount,
                }
            )
        for method, number, when in plan.trackings:
            self.trackings.append(
                {"order_id": order_id, "method": method, "number": number, "created_at": when}
            )

    def insert(self, session: Session) -> None:
        for model, rows in (
            (OrderAddress, self.addresses),
            (Order, self.orders),
            (OrderLineItem, self.lines),
            (SpecialDiscount, self.discounts),
            (ShippingTracking, self.trackings),
        ):
            if rows:
                session.execute(insert(model.__table__), rows)


def _next_id(session: Session, model: type) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1  # type: ignore[attr-defined]


def _resync_sequences(session: Session) -> None:
    """PostgreSQL: move the id sequences past the ids assigned here (SQLite needs nothing)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("orders", "order_addresses"):
        session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        )


def insert_volume(
    session: Session,
    rng: random.Random,
    pools: Pools,
    *,
    first_position: int,
    total: int,
    now: datetime,
    source_ids: list[int],
    echo: Callable[[str], None],
) -> int:
    """Plan and bulk-insert orders first_position … total-1; commits per chunk; returns count.

    `source_ids` holds the ids of orders already created in this run, by position.
    """
    order_id, address_id = _next_id(session, Order), _next_id(session, OrderAddress)
    first_volume_id = order_id
    started = time.monotonic()
    for start in range(first_position, total, CHUNK):
        rows = _Rows()
        for position in range(start, min(start + CHUNK, total)):
            plan = plan_order(rng, pools, position, total, now)
            source = None
            if plan.source_position is not None:
                offset = plan.source_position - first_position
                source = source_ids[plan.source_position] if offset < 0 else first_volume_id + offset
            rows.add(order_id, address_id, plan, pools, source)
            order_id += 1
            address_id += 2
        rows.insert(session)
        session.commit()
        done = min(start + CHUNK, total) - first_position
        rate = done / max(time.monotonic() - started, 1e-9)
        echo(f"  {done:,} of {total - first_position:,} bulk orders inserted ({rate:,.0f}/s)")
    _resync_sequences(session)
    return total - first_position
