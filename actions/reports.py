"""Figures for the dashboard, each answered by one indexed query."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Order


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
        select(func.count()).select_from(Order).where(Order.internal_status == "open")
    )
    today = session.scalar(
        select(func.count()).select_from(Order).where(Order.created_at >= start_of_day)
    )
    rows = session.execute(
        select(Order.currency, func.sum(Order.total))
        .where(Order.created_at >= now - timedelta(days=30), Order.internal_status != "cancelled")
        .group_by(Order.currency)
        .order_by(Order.currency)
    ).all()
    return DashboardFigures(
        open_orders=open_orders or 0,
        orders_today=today or 0,
        revenue_30_days={currency: Decimal(total or 0) for currency, total in rows},
    )
