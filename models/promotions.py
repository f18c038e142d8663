"""Promotions, their coupons, and the promotions applied to an order (SPEC §7)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import IDS_NEVER_REUSED, Model, Money, Timestamped, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.orders import Order

PROMOTION_KINDS = ("order_percent", "order_amount", "shipping_percent")
PROMOTION_KIND_LABELS = {
    "order_percent": "Order percent",
    "order_amount": "Order amount",
    "shipping_percent": "Shipping percent",
}


class Promotion(Timestamped, Model):
    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    # Required for order_amount promotions: the amount is in this currency only.
    currency: Mapped[str | None] = mapped_column(String(3))
    minimum_subtotal: Mapped[Money | None]
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    requires_coupon: Mapped[bool] = mapped_column(Boolean, default=True)

    coupons: Mapped[list[Coupon]] = relationship(back_populates="promotion", order_by="Coupon.id")

    def __str__(self) -> str:
        return self.name


class Coupon(Model):
    __tablename__ = "coupons"

    id: Mapped[int] = mapped_column(primary_key=True)
    # As typed when created; `code_key` (lower-case, trimmed) is what lookups and uniqueness use.
    code: Mapped[str] = mapped_column(String(64))
    code_key: Mapped[str] = mapped_column(String(64), unique=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), index=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # None: unlimited. No column default: the ORM would put it in place of an explicit None
    # (SPEC's default of 1 is the create form's and the generator's).
    uses_per_coupon: Mapped[int | None] = mapped_column(Integer)
    uses_per_customer_user: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Orders currently holding the coupon; changed only by conditional UPDATEs (never read-then-write).
    uses: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    promotion: Mapped[Promotion] = relationship(back_populates="coupons")

    def __str__(self) -> str:
        return self.code


class CouponCustomerUserUse(Model):
    """How many orders of one customer user hold a coupon; the per-buyer limit's counter."""

    __tablename__ = "coupon_customer_user_uses"
    __table_args__ = (UniqueConstraint("coupon_id", "customer_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"))
    customer_user_id: Mapped[int] = mapped_column(ForeignKey("customer_users.id", ondelete="CASCADE"))
    uses: Mapped[int] = mapped_column(Integer, default=0)


class AppliedPromotion(Model):
    """A promotion on an order, automatic or through a coupon, with a snapshot of its terms."""

    __tablename__ = "applied_promotions"
    __table_args__ = (Index("ix_applied_promotions_coupon", "coupon_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    promotion_id: Mapped[int | None] = mapped_column(ForeignKey("promotions.id", ondelete="SET NULL"))
    coupon_id: Mapped[int | None] = mapped_column(ForeignKey("coupons.id", ondelete="SET NULL"))
    coupon_code: Mapped[str | None] = mapped_column(String(64))
    promotion_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    currency: Mapped[str | None] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The rounded amount it took off the last time totals were computed.
    amount: Mapped[Money] = mapped_column(default=Decimal("0"))
    # The buyer whose per-customer-user count the coupon took (the order's buyer may change).
    customer_user_id: Mapped[int | None] = mapped_column(ForeignKey("customer_users.id", ondelete="SET NULL"))
    # True once the coupon's use was given back (the order was cancelled or deleted).
    use_released: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    order: Mapped[Order] = relationship(back_populates="applied_promotions")
    promotion: Mapped[Promotion | None] = relationship()
    coupon: Mapped[Coupon | None] = relationship()

    def __str__(self) -> str:
        return f"{self.promotion_name} ({self.coupon_code})" if self.coupon_code else self.promotion_name
