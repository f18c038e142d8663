"""The volume path: demo orders beyond the first few hundred, stored with bulk inserts.

Each order is planned exactly like the create_order path (seed/plan.py); its totals come
from the same pure `actions.totals.compute_totals`, its shipping estimate from
`actions.pricing.estimate_shipping_cost`, its number from `order_identifier(id)` with ids
assigned up front (max(id) + 1 …). Rows go in per chunk of CHUNK orders as tuples
(seed/bulk.py: executemany on SQLite, COPY on PostgreSQL): order address copies, orders,
lines, special discounts, trackings, then one commit per chunk.

Each chunk has its own random stream, so from PARALLEL_FROM orders forked processes plan
chunks while this one stores them, and the orders are the same however many plan them. From
INDEX_REBUILD_FROM orders the order tables' indexes are dropped for the load and built once
at the end; on SQLite the load runs with seed/bulk.py's BULK_PRAGMAS.

Volume orders have no audit rows: they were never "changed" by anyone, and an audit row per
bulk order would double the volume without telling a reader anything.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import func, select
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
from seed.bulk import BulkInsert, bulk_load, indexes_set_aside, resync_sequences
from seed.plan import OrderPlan, plan_order
from seed.pools import AddressInfo, Pools, ProductInfo

CHUNK = 5_000
# From this many bulk orders, forked processes plan them (default_workers()).
PARALLEL_FROM = 50_000
MAX_WORKERS = 4
# From this many bulk orders (and at least as many as are already stored), the order tables'
# indexes are dropped for the load and built again after it.
INDEX_REBUILD_FROM = 20_000
BULK_TABLES = ("orders", "order_line_items", "special_discounts", "shipping_trackings", "order_addresses")
PROGRESS_EVERY = 50_000
ZERO = Decimal("0")


def plan_totals(plan: OrderPlan, pools: Pools) -> tuple[Decimal | None, Totals]:
    """Return the estimated shipping cost and the totals create_order would store."""
    estimated = (
        estimate_shipping_cost(
            plan.method,  # type: ignore[arg-type]  # MethodInfo quacks like ShippingMethod
            plan.currency,
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


ORDER_ADDRESS_COLUMNS = ("id", "customer_address_id", "customer_user_address_id", *ADDRESS_FIELDS)
ORDER_COLUMNS = (
    "id",
    "identifier",
    "po_number",
    "customer_id",
    "customer_user_id",
    "currency",
    "owner_id",
    "created_by_id",
    "ship_until",
    "customer_notes",
    "payment_term_id",
    "payment_method",
    "billing_address_id",
    "shipping_address_id",
    "shipping_method_id",
    "estimated_shipping_cost",
    "overridden_shipping_cost",
    "internal_status",
    "shipping_status",
    "payment_status",
    "source_type",
    "source_id",
    "source_identifier",
    "subtotal",
    "special_discounts_total",
    "promotion_discounts_total",
    "shipping_cost",
    "shipping_discounts_total",
    "tax_total",
    "total",
    "version",
    "created_at",
    "updated_at",
)
# The product's columns first (one tuple per product), then the line's own.
LINE_COLUMNS = (
    "product_id",
    "product_sku",
    "product_name",
    "free_form",
    "unit",
    "order_id",
    "quantity",
    "unit_price",
    "ship_by",
    "notes",
    "shipped_quantity",
)
DISCOUNT_COLUMNS = ("order_id", "type", "value", "description", "amount")
TRACKING_COLUMNS = ("order_id", "method", "number", "created_at")


class _Chunk:
    """One chunk of orders as row tuples, per table, in insert order (parents first)."""

    def __init__(self, start: int) -> None:
        self.start = start
        self.addresses: list[tuple[Any, ...]] = []
        self.orders: list[tuple[Any, ...]] = []
        self.lines: list[tuple[Any, ...]] = []
        self.discounts: list[tuple[Any, ...]] = []
        self.trackings: list[tuple[Any, ...]] = []

    def tables(self) -> list[list[tuple[Any, ...]]]:
        return [self.addresses, self.orders, self.lines, self.discounts, self.trackings]


class _Planner:
    """Plans the volume orders a chunk at a time and lays them out as rows for the driver.

    Pure (no database): chunks can be planned in any order, in this process or a forked
    one. Each chunk draws from its own random stream, seeded from one draw of the seed's
    stream and the chunk's first position, so the orders are the same however many
    processes plan them.
    """

    def __init__(
        self,
        inserts: list[BulkInsert],
        pools: Pools,
        *,
        stream: int,
        first_position: int,
        total: int,
        now: datetime,
        first_order_id: int,
        first_address_id: int,
        source_ids: list[int],
    ) -> None:
        self.inserts = inserts
        self.pools = pools
        self.stream = stream
        self.first_position = first_position
        self.total = total
        self.now = now
        self.first_order_id = first_order_id
        self.first_address_id = first_address_id
        self.source_ids = source_ids
        # What an order address copies from its book entry, and a line from its product.
        self._copies: dict[tuple[str, int], tuple[Any, ...]] = {}
        self._products: dict[int, tuple[Any, ...]] = {}

    def chunks(self) -> range:
        return range(self.first_position, self.total, CHUNK)

    def plan(self, start: int) -> _Chunk:
        """The rows of the orders at positions start … start + CHUNK - 1, converted."""
        rng = random.Random(f"{self.stream}-{start}")
        chunk = _Chunk(start)
        offset = start - self.first_position
        order_id = self.first_order_id + offset
        address_id = self.first_address_id + 2 * offset
        for position in range(start, min(start + CHUNK, self.total)):
            plan = plan_order(rng, self.pools, position, self.total, self.now)
            source = None
            if plan.source_position is not None:
                earlier = plan.source_position - self.first_position
                source = (
                    self.source_ids[plan.source_position] if earlier < 0 else self.first_order_id + earlier
                )
            self._add(chunk, order_id, address_id, plan, source)
            order_id += 1
            address_id += 2
        for insert_, rows in zip(self.inserts, chunk.tables(), strict=True):
            rows[:] = insert_.convert(rows)
        return chunk

    def _copy(self, entry: AddressInfo) -> tuple[Any, ...]:
        key = (entry.book, entry.id)
        copy = self._copies.get(key)
        if copy is None:
            linked = (entry.id, None) if entry.book == "customer" else (None, entry.id)
            copy = self._copies[key] = linked + tuple(entry.values[k] for k in ADDRESS_FIELDS)
        return copy

    def _product(self, product: ProductInfo) -> tuple[Any, ...]:
        columns = self._products.get(product.id)
        if columns is None:
            columns = (product.id, product.sku, product.name, False, product.unit)
            self._products[product.id] = columns
        return columns

    def _add(
        self, rows: _Chunk, order_id: int, address_id: int, plan: OrderPlan, source_id: int | None
    ) -> None:
        estimated, totals = plan_totals(plan, self.pools)
        rows.addresses.append((address_id, *self._copy(plan.billing)))
        rows.addresses.append((address_id + 1, *self._copy(plan.shipping)))
        buyer, method = plan.buyer, plan.method
        rows.orders.append(
            (
                order_id,
                order_identifier(order_id),
                plan.po_number,
                plan.customer.id,
                buyer.id if buyer else None,
                plan.currency,
                plan.owner_id,
                plan.owner_id,
                plan.ship_until,
                plan.customer_notes,
                plan.payment_term_id,
                plan.payment_method,
                address_id,
                address_id + 1,
                method.id if method else None,
                estimated,
                plan.overridden_shipping_cost,
                plan.internal_status,
                plan.shipping_status,
                plan.payment_status,
                "order" if source_id is not None else None,
                source_id,
                order_identifier(source_id) if source_id is not None else None,
                totals.subtotal,
                totals.special_discounts_total,
                totals.promotion_discounts_total,
                totals.shipping if totals.shipping is not None else ZERO,
                totals.shipping_discounts_total,
                totals.tax,
                totals.total,
                1,
                plan.created_at,
                plan.updated_at,
            )
        )
        product = self._product
        rows.lines.extend(
            (
                *product(li.product),
                order_id,
                li.quantity,
                li.unit_price,
                li.ship_by,
                li.notes,
                li.shipped_quantity,
            )
            for li in plan.lines
        )
        if plan.discounts:
            rows.discounts.extend(
                (order_id, kind, value, description, amount)
                for (kind, value, description), amount in zip(
                    plan.discounts, totals.special_discounts, strict=True
                )
            )
        rows.trackings.extend((order_id, method, number, when) for method, number, when in plan.trackings)


# The planner a forked worker inherits (set just before the pool forks).
_PLANNER: _Planner | None = None


def _plan_in_worker(start: int) -> _Chunk:
    assert _PLANNER is not None
    return _PLANNER.plan(start)


def _planned_chunks(planner: _Planner, workers: int) -> Iterator[_Chunk]:
    """The planned chunks in order: here, or by `workers` forked processes while this one
    inserts (at most two chunks per worker wait in memory)."""
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for start in planner.chunks():
            yield planner.plan(start)
        return
    global _PLANNER
    _PLANNER = planner
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            starts = iter(planner.chunks())
            pending: deque[Any] = deque(
                pool.apply_async(_plan_in_worker, (start,)) for start in islice(starts, 2 * workers)
            )
            while pending:
                chunk = pending.popleft().get()
                following = next(starts, None)
                if following is not None:
                    pending.append(pool.apply_async(_plan_in_worker, (following,)))
                yield chunk
    finally:
        _PLANNER = None


def _next_id(session: Session, model: type) -> int:
    return (session.scalar(select(func.max(model.id))) or 0) + 1  # type: ignore[attr-defined]


def default_workers() -> int:
    """Planning processes for a volume demo: one per core, at most MAX_WORKERS; one core
    plans in this process."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(MAX_WORKERS, cores) if cores > 1 else 1


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
    workers: int | None = None,
) -> int:
    """Plan and bulk-insert orders first_position … total-1; commits per chunk; returns count.

    `source_ids` holds the ids of orders already created in this run, by position. From
    PARALLEL_FROM orders, `workers` forked processes (default_workers()) plan the chunks
    while this one inserts them; the orders are the same either way.
    """
    count = total - first_position
    if count <= 0:
        return 0
    order_id, address_id = _next_id(session, Order), _next_id(session, OrderAddress)
    inserts = [
        BulkInsert(session, OrderAddress.__table__, ORDER_ADDRESS_COLUMNS),
        BulkInsert(session, Order.__table__, ORDER_COLUMNS),
        BulkInsert(session, OrderLineItem.__table__, LINE_COLUMNS),
        BulkInsert(session, SpecialDiscount.__table__, DISCOUNT_COLUMNS),
        BulkInsert(session, ShippingTracking.__table__, TRACKING_COLUMNS),
    ]
    planner = _Planner(
        inserts,
        pools,
        stream=rng.getrandbits(64),
        first_position=first_position,
        total=total,
        now=now,
        first_order_id=order_id,
        first_address_id=address_id,
        source_ids=source_ids,
    )
    if workers is None:
        workers = default_workers() if count >= PARALLEL_FROM else 1
    set_aside = count >= INDEX_REBUILD_FROM and count >= order_id
    started = time.monotonic()
    with bulk_load(session) as after_commit:
        with indexes_set_aside(session, BULK_TABLES, enabled=set_aside):
            if set_aside:
                echo("  (the order tables' indexes are set aside, and built again at the end)")
            if workers > 1:
                echo(f"  ({workers} processes plan the orders while this one stores them)")
            for chunk in _planned_chunks(planner, workers):
                for insert_, rows in zip(inserts, chunk.tables(), strict=True):
                    insert_.write(session, rows)
                session.commit()
                after_commit()
                done = min(chunk.start + CHUNK, total) - first_position
                if done == min(CHUNK, count) or done % PROGRESS_EVERY < CHUNK or done == count:
                    rate = done / max(time.monotonic() - started, 1e-9)
                    echo(f"  {done:,} of {count:,} bulk orders inserted ({rate:,.0f}/s)")
            if set_aside:
                echo("  Building the indexes again…")
                building = time.monotonic()
        if set_aside:
            echo(f"  Indexes built in {time.monotonic() - building:.0f} s.")
    resync_sequences(session, ("orders", "order_addresses"))
    session.commit()
    return count
