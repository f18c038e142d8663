"""Order lists for customer pages, each answered by one indexed query."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Order


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
