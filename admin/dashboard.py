"""The landing page after login: orders and revenue per day, statuses, top customers, overdue
and latest orders. Figures come from actions/dashboard.py; the charts read them from a JSON
block (static/dashboard.js) and each has a table with the same numbers."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from flask_admin import expose

from actions.dashboard import (
    WINDOWS,
    CurrencySeries,
    daily_revenue,
    latest_orders,
    orders_by_status,
    orders_created_on,
    overdue_open_orders,
    top_customers,
    window_days,
)
from actions.history import status_label
from admin.base import SecuredIndexView
from models import InternalStatus, db, utcnow


def _overdue_grid_args(today: date) -> dict[str, str]:
    """The order grid's filters (admin/orders/grid.py) that list the overdue open orders:
    Internal Status = Open and Ship Until before today."""
    return {"flt1_internal_status_equals": "open", "flt2_ship_until_smaller_than": today.isoformat()}


def _chart_data(series: list[CurrencySeries], statuses: list[tuple[Any, int]]) -> dict[str, Any]:
    """What the charts draw: plain numbers (amounts as strings, never floats in Python)."""
    return {
        "revenue": [
            {
                "currency": one.currency,
                "days": [day.isoformat() for day in one.days],
                "orders": one.orders,
                "revenue": [str(amount) for amount in one.revenue],
            }
            for one in series
        ],
        "statuses": {"labels": [status_label(s) for s, _ in statuses], "counts": [n for _, n in statuses]},
    }


class DashboardView(SecuredIndexView):
    @expose("/")
    def index(self) -> str:
        today = utcnow().date()
        days = window_days(request.args.get("days"))
        series = daily_revenue(db.session, today, days)
        statuses = orders_by_status(db.session)
        overdue_count, overdue = overdue_open_orders(db.session, today)
        return self.render(
            "admin/dashboard.html",
            orders_today=orders_created_on(db.session, today),
            days=days,
            windows=WINDOWS,
            series=series,
            statuses=statuses,
            open_orders=dict(statuses)[InternalStatus.OPEN],
            top=top_customers(db.session),
            overdue_count=overdue_count,
            overdue=overdue,
            overdue_grid_args=_overdue_grid_args(today),
            latest=latest_orders(db.session),
            chart_data=_chart_data(series, statuses),
        )
