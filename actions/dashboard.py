"""What the dashboard shows, each figure one query on the running totals or an index.

Days are UTC days of the orders' creation. Revenue is the sum of the totals of every order
except cancelled ones (actions/rollups.py counts_as_revenue). An order is overdue when it is
open and its ship-until date is before today, as for the overdue check (actions/lifecycle.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from actions.lifecycle import overdue
from actions.rollups import NOT_REVENUE, from_units
from models import Customer, CustomerRevenue, DailyOrderTotal, InternalStatus, Order

WINDOWS = (30, 90)
DEFAULT_WINDOW = WINDOWS[0]


@dataclass
class CurrencySeries:
    """One currency's orders and revenue for each day of a window, oldest first."""

    currency: str
    days: list[date]
    orders: list[int] = field(default_factory=list)
    revenue: list[Decimal] = field(default_factory=list)

    @property
    def total_orders(self) -> int:
        return sum(self.orders)

    @property
    def total_revenue(self) -> Decimal:
        return sum(self.revenue, Decimal(0))


@dataclass(frozen=True)
class TopCustomer:
    """A customer and what its orders in one currency brought in (all time)."""

    customer_id: int
    name: str
    currency: str
    orders: int
    revenue: Decimal


def window_days(requested: str | None) -> int:
    """The window asked for, when it is one the dashboard offers; else the default (30)."""
    try:
        days = int(requested or "")
    except ValueError:
        return DEFAULT_WINDOW
    return days if days in WINDOWS else DEFAULT_WINDOW


def daily_revenue(session: Session, today: date, days: int) -> list[CurrencySeries]:
    """Orders counting as revenue and their totals per day and currency over the last `days`
    days, today included; a day without orders shows zero.

    Raises: ValueError for a window of less than one day.
    """
    if days < 1:
        raise ValueError("the window holds at least one day")
    first = today - timedelta(days=days - 1)
    calendar = [first + timedelta(days=n) for n in range(days)]
    rows = session.execute(
        select(
            DailyOrderTotal.currency,
            DailyOrderTotal.day,
            func.sum(DailyOrderTotal.orders),
            func.sum(DailyOrderTotal.total_units),
        )
        .where(
            DailyOrderTotal.day >= first,
            DailyOrderTotal.day <= today,
            DailyOrderTotal.internal_status.not_in(NOT_REVENUE),
        )
        .group_by(DailyOrderTotal.currency, DailyOrderTotal.day)
    ).all()
    cells: dict[str, dict[date, tuple[int, int]]] = {}
    for currency, day, orders, units in rows:
        cells.setdefault(currency, {})[day] = (int(orders or 0), int(units or 0))
    series = []
    for currency in sorted(cells):
        one = CurrencySeries(currency, calendar)
        for day in calendar:
            orders, units = cells[currency].get(day, (0, 0))
            one.orders.append(orders)
            one.revenue.append(from_units(units))
        if one.total_orders:
            series.append(one)
    return series


def orders_created_on(session: Session, day: date) -> int:
    """How many orders were created on a UTC day, whatever their status now.

    Raises: nothing.
    """
    count = session.scalar(select(func.sum(DailyOrderTotal.orders)).where(DailyOrderTotal.day == day))
    return int(count or 0)


def orders_by_status(session: Session) -> list[tuple[InternalStatus, int]]:
    """How many orders are in each status now, in the statuses' order (zeros included).

    Raises: nothing.
    """
    rows = session.execute(
        select(DailyOrderTotal.internal_status, func.sum(DailyOrderTotal.orders)).group_by(
            DailyOrderTotal.internal_status
        )
    ).all()
    counts = {status: int(count or 0) for status, count in rows}
    return [(status, counts.get(status, 0)) for status in InternalStatus]


def top_customers(session: Session, *, per_currency: int = 5) -> list[TopCustomer]:
    """The customers whose orders brought in the most in each currency, all time, largest first.

    Raises: nothing.
    """
    currencies = session.scalars(
        select(DailyOrderTotal.currency).distinct().order_by(DailyOrderTotal.currency)
    )
    top: list[TopCustomer] = []
    for currency in list(currencies):
        rows = session.execute(
            select(CustomerRevenue, Customer.name)
            .join(Customer, Customer.id == CustomerRevenue.customer_id)
            .where(CustomerRevenue.currency == currency, CustomerRevenue.total_units > 0)
            .order_by(CustomerRevenue.total_units.desc(), CustomerRevenue.customer_id)
            .limit(per_currency)
        ).all()
        top += [
            TopCustomer(row.customer_id, name, currency, row.orders, from_units(row.total_units))
            for row, name in rows
        ]
    return top


def overdue_open_orders(session: Session, today: date, *, limit: int = 10) -> tuple[int, list[Order]]:
    """How many open orders are overdue (ship-until before today), and the most overdue ones.

    Raises: nothing.
    """
    is_overdue = overdue(today)
    count = session.scalar(select(func.count()).select_from(Order).where(*is_overdue)) or 0
    orders = session.scalars(
        select(Order)
        .options(joinedload(Order.customer))
        .where(*is_overdue)
        .order_by(Order.ship_until, Order.id)
        .limit(limit)
    )
    return count, list(orders)


def latest_orders(session: Session, *, limit: int = 10) -> list[Order]:
    """The orders created last, newest first.

    Raises: nothing.
    """
    query = (
        select(Order).options(joinedload(Order.customer)).order_by(Order.created_at.desc(), Order.id.desc())
    )
    return list(session.scalars(query.limit(limit)))
