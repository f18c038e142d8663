"""Running totals of the orders for the dashboard, kept by actions/rollups.py.

Summing a million orders per request takes seconds; these few thousand rows answer the same
questions in milliseconds. Amounts are integers in ten-thousandths (Money's four decimals), so
adding and subtracting them stays exact on SQLite too.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from models.base import CurrencyCode, Model, StrEnumString
from models.orders import InternalStatus


class DailyOrderTotal(Model):
    """Orders created on one UTC day in one currency, now in one status: how many, and their totals."""

    __tablename__ = "daily_order_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[CurrencyCode] = mapped_column(primary_key=True)
    internal_status: Mapped[InternalStatus] = mapped_column(
        StrEnumString(InternalStatus, 20), primary_key=True
    )
    orders: Mapped[int] = mapped_column(Integer, default=0)
    total_units: Mapped[int] = mapped_column(BigInteger, default=0)


class CustomerRevenue(Model):
    """A customer's orders that count as revenue in one currency: how many, and their totals."""

    __tablename__ = "customer_revenues"
    __table_args__ = (Index("ix_customer_revenues_currency_units", "currency", "total_units"),)

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    currency: Mapped[CurrencyCode] = mapped_column(primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, default=0)
    total_units: Mapped[int] = mapped_column(BigInteger, default=0)
