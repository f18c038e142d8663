"""The dashboard's running totals (models/rollups.py), kept right as orders change.

A flush listener reads each changed order's facts before the flush (its old day, currency,
status, customer and total) and after it (the new ones), and adds the difference to the
totals with one upsert per table, in the same transaction. Bulk status moves that write
without a flush report here themselves; loads that bypass the ORM (the volume seed) end with
rebuild_rollups, which sums the orders again in SQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, delete, event, func, insert, inspect, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from models import CustomerRevenue, DailyOrderTotal, InternalStatus, Order
from models.dialect import upsert_adding, utc_day

UNITS_PER_MONEY = Decimal(10_000)  # Money keeps four decimals
# What revenue means here and on the dashboard: every order except a cancelled one.
NOT_REVENUE = frozenset({InternalStatus.CANCELLED})
FACT_KEYS = ("created_at", "currency", "internal_status", "customer_id", "total")
_BEFORE_KEY = "rollup_facts_before"


def counts_as_revenue(status: InternalStatus) -> bool:
    """Tell whether an order in this status counts in revenue (all but cancelled ones)."""
    return status not in NOT_REVENUE


def to_units(amount: Decimal) -> int:
    """An amount as a whole number of ten-thousandths."""
    return int((amount * UNITS_PER_MONEY).to_integral_value(ROUND_HALF_UP))


def from_units(units: int) -> Decimal:
    """Ten-thousandths back to an amount."""
    return Decimal(units) / UNITS_PER_MONEY


@dataclass(frozen=True)
class OrderFacts:
    """What the totals know of one order."""

    day: date
    currency: str
    status: InternalStatus
    customer_id: int
    units: int


class Deltas:
    """Changes to add to the totals, per row of each table."""

    def __init__(self) -> None:
        self.daily: dict[tuple[date, str, str], list[int]] = defaultdict(lambda: [0, 0])
        self.customers: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])

    def add(self, facts: OrderFacts | None, sign: int) -> None:
        """Count an order in (sign 1) or out (sign -1)."""
        if facts is None:
            return
        cell = self.daily[(facts.day, facts.currency, str(facts.status))]
        cell[0] += sign
        cell[1] += sign * facts.units
        if counts_as_revenue(facts.status):
            cell = self.customers[(facts.customer_id, facts.currency)]
            cell[0] += sign
            cell[1] += sign * facts.units

    def write(self, session: Session) -> None:
        """Add the changes to the tables, in key order (concurrent writers lock rows alike)."""
        dialect = session.get_bind().dialect.name
        daily = [
            {"day": d, "currency": c, "internal_status": s, "orders": n, "total_units": u}
            for (d, c, s), (n, u) in sorted(self.daily.items())
            if n or u
        ]
        customers = [
            {"customer_id": i, "currency": c, "orders": n, "total_units": u}
            for (i, c), (n, u) in sorted(self.customers.items())
            if n or u
        ]
        connection = session.connection()
        for model, rows, keys in (
            (DailyOrderTotal, daily, ("day", "currency", "internal_status")),
            (CustomerRevenue, customers, ("customer_id", "currency")),
        ):
            if rows:
                statement = upsert_adding(model.__table__, keys, ("orders", "total_units"), dialect)
                connection.execute(statement, rows)


def order_facts(values: dict[str, Any]) -> OrderFacts | None:
    """The facts of an order from its column values; None while one of them is unset."""
    if any(values.get(key) is None for key in FACT_KEYS):
        return None
    return OrderFacts(
        day=values["created_at"].astimezone(UTC).date(),
        currency=values["currency"],
        status=InternalStatus(values["internal_status"]),
        customer_id=values["customer_id"],
        units=to_units(values["total"]),
    )


def _current(order: Order) -> OrderFacts | None:
    return order_facts({key: getattr(order, key) for key in FACT_KEYS})


def _committed(order: Order) -> OrderFacts | None:
    """The facts as the database holds them, before this flush writes the order."""
    state = inspect(order)
    old = state.committed_state
    return order_facts({key: old[key] if key in old else getattr(order, key) for key in FACT_KEYS})


def _before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    session.info[_BEFORE_KEY] = [
        (order, _committed(order))
        for order in (*session.dirty, *session.deleted)
        if isinstance(order, Order) and inspect(order).persistent
    ]


def _after_flush(session: Session, _flush_context: Any) -> None:
    deltas = Deltas()
    for order in session.new:
        if isinstance(order, Order):
            deltas.add(_current(order), 1)
    for order, before in session.info.pop(_BEFORE_KEY, []):
        after = None if order in session.deleted else _current(order)
        if after != before:
            deltas.add(before, -1)
            deltas.add(after, 1)
    deltas.write(session)


def fact_columns() -> list[InstrumentedAttribute[Any]]:
    """The order columns the totals count, in FACT_KEYS order, for a query that reads them."""
    return [getattr(Order, key) for key in FACT_KEYS]


def record_status_moves(session: Session, facts: Iterable[OrderFacts | None], target: InternalStatus) -> None:
    """Move orders written by a bulk UPDATE (no flush) to their new status in the totals,
    given their facts as they were before it."""
    deltas = Deltas()
    for before in facts:
        if before is not None and before.status != target:
            deltas.add(before, -1)
            deltas.add(OrderFacts(before.day, before.currency, target, before.customer_id, before.units), 1)
    deltas.write(session)


def rebuild_rollups(session: Session) -> int:
    """Compute the totals again from every order (after loads that bypass the ORM), in two
    INSERT … SELECT statements; return how many orders they count.

    Raises: NotImplementedError on a database other than SQLite and PostgreSQL.
    """
    session.flush()
    day = utc_day(Order.created_at, session.get_bind().dialect.name)
    units = func.sum(cast(func.round(Order.total * UNITS_PER_MONEY), BigInteger))
    session.execute(delete(DailyOrderTotal))
    session.execute(delete(CustomerRevenue))
    by_day = select(day, Order.currency, Order.internal_status, func.count(), units).group_by(
        day, Order.currency, Order.internal_status
    )
    session.execute(
        insert(DailyOrderTotal).from_select(
            ["day", "currency", "internal_status", "orders", "total_units"], by_day
        )
    )
    by_customer = (
        select(Order.customer_id, Order.currency, func.count(), units)
        .where(Order.internal_status.not_in(NOT_REVENUE))
        .group_by(Order.customer_id, Order.currency)
    )
    session.execute(
        insert(CustomerRevenue).from_select(["customer_id", "currency", "orders", "total_units"], by_customer)
    )
    return int(session.scalar(select(func.sum(DailyOrderTotal.orders))) or 0)


def install_rollup_listeners(session_class: Any) -> None:
    """Attach the flush listeners that keep the totals; idempotent."""
    if not event.contains(session_class, "after_flush", _after_flush):
        event.listen(session_class, "before_flush", _before_flush)
        event.listen(session_class, "after_flush", _after_flush)
