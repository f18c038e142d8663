"""Figures for the dashboard, each answered by one indexed query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import InternalStatus, Order


@dataclass(frozen=True)
class DashboardFigures:
    open_orders: int
    orders_today: int
    revenue_30_days: dict[str, Decimal]


def dashboard_figures(session: Session, now: datetime) -> DashboardFigures:
    """Count open orders and today's orders, and sum the last 30 days' totals per currency.

    Revenue counts every order created in the window except cancelled ones.
    """
    start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    open_orders = session.scalar(
        select(func.count()).select_from(Order).where(Order.internal_status == InternalStatus.OPEN)
    )
    today = session.scalar(select(func.count()).select_from(Order).where(Order.created_at >= start_of_day))
    rows = session.execute(
        select(Order.currency, func.sum(Order.total))
        .where(
            Order.created_at >= now - timedelta(days=30),
            Order.internal_status != InternalStatus.CANCELLED,
        )
        .group_by(Order.currency)
        .order_by(Order.currency)
    ).all()
    return DashboardFigures(
        open_orders=open_orders or 0,
        orders_today=today or 0,
        revenue_30_days={currency: Decimal(total or 0) for currency, total in rows},
    )


def recent_orders(
    session: Session, *, customer_id: int | None = None, customer_user_id: int | None = None, limit: int = 50
) -> list[Order]:
    """A customer's or customer user's latest orders, newest first (an indexed range read)."""
    query = select(Order).order_by(Order.created_at.desc()).limit(limit)
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    if customer_user_id is not None:
        query = query.where(Order.customer_user_id == customer_user_id)
    return list(session.scalars(query))
