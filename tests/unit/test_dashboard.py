"""The dashboard's figures (actions/dashboard.py) and the running totals behind them
(actions/rollups.py): the totals always equal the same sums taken from the orders."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.dashboard import (
    daily_revenue,
    orders_by_status,
    orders_created_on,
    overdue_open_orders,
    top_customers,
    window_days,
)
from actions.lifecycle import apply_transition, move_orders, read_order_rows
from actions.rollups import Deltas, order_facts, rebuild_rollups
from models import Customer, CustomerRevenue, DailyOrderTotal, Order
from tests.factories import make_order

TODAY = date(2026, 11, 30)


def _at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _stored(session: Session) -> tuple[dict[Any, tuple[int, int]], dict[Any, tuple[int, int]]]:
    daily = {
        (r.day, r.currency, str(r.internal_status)): (r.orders, r.total_units)
        for r in session.scalars(select(DailyOrderTotal))
        if r.orders or r.total_units
    }
    customers = {
        (r.customer_id, r.currency): (r.orders, r.total_units)
        for r in session.scalars(select(CustomerRevenue))
        if r.orders or r.total_units
    }
    return daily, customers


def _summed_from_orders(session: Session) -> tuple[dict[Any, tuple[int, int]], dict[Any, tuple[int, int]]]:
    deltas = Deltas()
    for order in session.scalars(select(Order)):
        deltas.add(
            order_facts(
                {
                    k: getattr(order, k)
                    for k in ("created_at", "currency", "internal_status", "customer_id", "total")
                }
            ),
            1,
        )
    daily = {k: (n, u) for k, (n, u) in deltas.daily.items() if n or u}
    customers = {k: (n, u) for k, (n, u) in deltas.customers.items() if n or u}
    return daily, customers


def test_the_totals_equal_the_orders_sums_through_random_creates_edits_moves_and_deletes(
    session, catalog, users
):
    # Given a second customer, and a fixed random sequence of what people do to orders
    other = Customer(name="Bolt & Co")
    session.add(other)
    session.flush()
    rng = random.Random(16)
    manager = users["manager"]
    orders: list[Order] = []
    for step in range(40):
        action = rng.choice(("create", "create", "edit", "move", "bulk", "delete"))
        open_orders = [o for o in orders if o.internal_status == "open"]
        if action == "create" or not orders:
            order = make_order(session, catalog, actor=manager)
            orders.append(order)
        elif action == "edit":
            # When an order's total, currency, customer or creation day changes
            order = rng.choice(orders)
            order.currency = rng.choice(("USD", "EUR"))
            order.total = Decimal(rng.randint(1, 99_999)) / 100
            order.customer_id = rng.choice((catalog["customer"].id, other.id))
            order.created_at = _at(TODAY - timedelta(days=rng.randint(0, 100)))
        elif action == "move" and open_orders:
            apply_transition(session, rng.choice(open_orders), rng.choice(("cancel", "close")), actor=manager)
        elif action == "bulk":
            closed = [o for o in orders if o.internal_status == "closed"]
            move_orders(session, read_order_rows(session, [o.id for o in closed]), "archive", actor=manager)
        elif action == "delete":
            order = orders.pop(rng.randrange(len(orders)))
            session.delete(order)
        session.flush()
        if step % 5 == 4:
            session.commit()
        # Then the running totals are the sums taken from the orders themselves
        assert _stored(session) == _summed_from_orders(session), f"after step {step} ({action})"


def test_a_rebuild_gives_back_the_totals_the_listener_kept(session, catalog, users):
    # Given orders in several states, their totals kept by the listener
    for status_path in ((), ("cancel",), ("close",)):
        order = make_order(session, catalog, actor=users["manager"])
        for name in status_path:
            apply_transition(session, order, name, actor=users["manager"])
    session.commit()
    kept = _stored(session)
    # When the totals are wiped and computed again from the orders
    session.execute(DailyOrderTotal.__table__.delete())
    assert rebuild_rollups(session) == 3
    # Then they are the same
    assert _stored(session) == kept
    assert kept == _summed_from_orders(session)


def test_revenue_per_day_leaves_out_cancelled_orders_and_days_outside_the_window(session, catalog, users):
    manager = users["manager"]
    today = make_order(session, catalog, actor=manager)
    today.created_at = _at(TODAY, 23)
    yesterday = make_order(session, catalog, actor=manager)
    yesterday.created_at = _at(TODAY - timedelta(days=1), 0)
    cancelled = make_order(session, catalog, actor=manager)
    cancelled.created_at = _at(TODAY)
    apply_transition(session, cancelled, "cancel", actor=manager)
    too_old = make_order(session, catalog, actor=manager)
    too_old.created_at = _at(TODAY - timedelta(days=30))
    session.commit()

    (usd,) = daily_revenue(session, TODAY, 30)
    assert (usd.currency, len(usd.days), usd.days[-1]) == ("USD", 30, TODAY)
    assert usd.orders[-2:] == [1, 1] and usd.total_orders == 2
    assert usd.revenue[-1] == today.total and usd.total_revenue == today.total + yesterday.total
    # The 90-day window reaches the older order; days without orders are zeros
    assert daily_revenue(session, TODAY, 90)[0].total_orders == 3
    assert orders_created_on(session, TODAY) == 2  # cancelled ones were created too


def test_statuses_count_every_order_and_top_customers_count_revenue_only(session, catalog, users):
    manager = users["manager"]
    kept = make_order(session, catalog, actor=manager)
    apply_transition(session, make_order(session, catalog, actor=manager), "cancel", actor=manager)
    session.commit()

    counts = dict(orders_by_status(session))
    assert (counts["open"], counts["cancelled"], counts["shipped"]) == (1, 1, 0)
    (top,) = top_customers(session)
    assert (top.name, top.currency, top.orders, top.revenue) == ("Acme Industrial", "USD", 1, kept.total)


def test_overdue_means_open_with_a_ship_until_date_before_today(session, catalog, users):
    manager = users["manager"]
    late = make_order(session, catalog, actor=manager, ship_until=TODAY - timedelta(days=1))
    make_order(session, catalog, actor=manager, ship_until=TODAY)
    make_order(session, catalog, actor=manager, ship_until=None)
    cancelled = make_order(session, catalog, actor=manager, ship_until=TODAY - timedelta(days=5))
    apply_transition(session, cancelled, "cancel", actor=manager)
    session.commit()

    count, orders = overdue_open_orders(session, TODAY)
    assert (count, [o.id for o in orders]) == (1, [late.id])


def test_only_the_offered_windows_are_taken_and_anything_else_gives_30_days():
    assert [window_days(v) for v in ("90", "30", "7", "abc", "", None, "90.0")] == [
        90,
        30,
        30,
        30,
        30,
        30,
        30,
    ]
