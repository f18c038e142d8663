"""The order aggregate: the order, its lines, its own address copies, discounts and trackings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import IDS_NEVER_REUSED, CurrencyCode, Model, Money, StrEnumString, Timestamped, UTCDateTime
from models.customers import AddressFields

if TYPE_CHECKING:
    from models.catalog import PaymentTerm, Product, ShippingMethod
    from models.customers import Customer, CustomerUser
    from models.promotions import AppliedPromotion
    from models.users import User


class InternalStatus(StrEnum):
    """Where the order is in its life; only the transitions in actions/lifecycle.py change it."""

    OPEN = "open"
    CANCELLED = "cancelled"
    SHIPPED = "shipped"
    CLOSED = "closed"
    ARCHIVED = "archived"


class ShippingStatus(StrEnum):
    """How much of the order has left the warehouse."""

    NOT_SHIPPED = "not_shipped"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"


class PaymentStatus(StrEnum):
    """How much of the order is paid; pending until payments are recorded."""

    PENDING = "pending"
    PARTIALLY_PAID = "partially_paid"
    PAID_IN_FULL = "paid_in_full"
    REFUNDED = "refunded"


INTERNAL_STATUSES = tuple(InternalStatus)
SHIPPING_STATUSES = tuple(ShippingStatus)
PAYMENT_STATUSES = tuple(PaymentStatus)
PAYMENT_METHODS = ("payment_term", "check", "wire", "card_offline")
SOURCE_TYPES = ("shopping_list", "rfq", "order")
DISCOUNT_TYPES = ("amount", "percent")

STATUS_LABELS: dict[str, str] = {
    InternalStatus.OPEN: "Open",
    InternalStatus.CANCELLED: "Cancelled",
    InternalStatus.SHIPPED: "Shipped",  # ShippingStatus.SHIPPED is the same string
    InternalStatus.CLOSED: "Closed",
    InternalStatus.ARCHIVED: "Archived",
    ShippingStatus.NOT_SHIPPED: "Not Shipped",
    ShippingStatus.PARTIALLY_SHIPPED: "Partially Shipped",
    PaymentStatus.PENDING: "Pending",
    PaymentStatus.PARTIALLY_PAID: "Partially Paid",
    PaymentStatus.PAID_IN_FULL: "Paid in Full",
    PaymentStatus.REFUNDED: "Refunded",
    "payment_term": "Payment Term",
    "check": "Check",
    "wire": "Wire Transfer",
    "card_offline": "Card (offline)",
}
SOURCE_LABELS = {"shopping_list": "Shopping List", "rfq": "Request For Quote", "order": "Order"}


def order_identifier(order_id: int) -> str:
    """Return the default order number for an id: SO- and six digits (more when needed)."""
    return f"SO-{order_id:06d}"


class OrderAddress(AddressFields, Model):
    """The order's own copy of an address; later address-book edits never change it."""

    __tablename__ = "order_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_address_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_addresses.id", ondelete="SET NULL")
    )
    customer_user_address_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_user_addresses.id", ondelete="SET NULL")
    )

    def __str__(self) -> str:
        return self.one_line()


# After the newest-first sort key and id: the columns of the filters tested while walking it.
WALKED_COLUMNS = (
    "created_at",
    "id",
    "ship_until",
    "total",
    "subtotal",
    "updated_at",
    "customer_id",
    "customer_user_id",
    "owner_id",
)
# After a customer, customer user or owner: the sort key, id and the status.
BY_PERSON_COLUMNS = ("created_at", "id", "internal_status")


class Order(Timestamped, Model):
    __tablename__ = "orders"
    __table_args__ = (
        # The grid sorts newest first; each equality filter gets (column, created_at) so a
        # filtered page is read in order from its index instead of being sorted.
        # The two indexes a page walks when many orders match a filter that no index reads in
        # the sort's order (ship until before today, total over 1000, updated this week): after
        # the sort key and id, they carry the columns those filters test, so SQLite checks
        # each walked entry in the index and reads only the page's rows from the table.
        Index("ix_orders_created_walk", *WALKED_COLUMNS),
        # The updated-at sort, and "updated since" past a cursor among older orders: collected
        # from this index alone (it carries the default sort's key), not by walking to them.
        Index("ix_orders_updated_at", "updated_at", "id", "created_at"),
        Index("ix_orders_status_created_walk", "internal_status", *WALKED_COLUMNS),
        Index("ix_orders_shipping_status_created", "shipping_status", "created_at"),
        Index("ix_orders_payment_status_created", "payment_status", "created_at"),
        Index("ix_orders_currency_created", "currency", "created_at"),
        # A status with a second equality filter: the page and its capped count are read from
        # the index alone, however rare the pair (grid_bench "shipped + payment pending").
        Index("ix_orders_status_currency_created", "internal_status", "currency", "created_at"),
        Index("ix_orders_status_shipping_created", "internal_status", "shipping_status", "created_at"),
        Index("ix_orders_status_payment_created", "internal_status", "payment_status", "created_at"),
        Index("ix_orders_shipping_payment_created", "shipping_status", "payment_status", "created_at"),
        # A customer, customer user or owner filter, alone or with a status: the page's ids and
        # the capped count are read from the index alone.
        Index("ix_orders_customer_created_status", "customer_id", *BY_PERSON_COLUMNS),
        Index("ix_orders_customer_user_created_status", "customer_user_id", *BY_PERSON_COLUMNS),
        Index("ix_orders_owner_created_status", "owner_id", *BY_PERSON_COLUMNS),
        Index("ix_orders_source", "source_type", "source_id"),
        Index("ix_orders_submission_key", "submission_key", unique=True),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str | None] = mapped_column(String(32), unique=True)
    po_number: Mapped[str | None] = mapped_column(String(255))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    customer_user_id: Mapped[int | None] = mapped_column(ForeignKey("customer_users.id"))
    currency: Mapped[CurrencyCode]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ship_until: Mapped[date | None] = mapped_column(Date, index=True)
    customer_notes: Mapped[str | None] = mapped_column(Text)
    payment_term_id: Mapped[int | None] = mapped_column(ForeignKey("payment_terms.id"))
    payment_method: Mapped[str | None] = mapped_column(String(20))
    billing_address_id: Mapped[int | None] = mapped_column(ForeignKey("order_addresses.id"))
    shipping_address_id: Mapped[int | None] = mapped_column(ForeignKey("order_addresses.id"))
    shipping_method_id: Mapped[int | None] = mapped_column(ForeignKey("shipping_methods.id"))
    estimated_shipping_cost: Mapped[Money | None]
    overridden_shipping_cost: Mapped[Money | None]

    internal_status: Mapped[InternalStatus] = mapped_column(
        StrEnumString(InternalStatus, 20), default=InternalStatus.OPEN
    )
    shipping_status: Mapped[ShippingStatus] = mapped_column(
        StrEnumString(ShippingStatus, 20), default=ShippingStatus.NOT_SHIPPED
    )
    payment_status: Mapped[PaymentStatus] = mapped_column(
        StrEnumString(PaymentStatus, 20), default=PaymentStatus.PENDING
    )

    source_type: Mapped[str | None] = mapped_column(String(20))
    source_id: Mapped[int | None] = mapped_column(Integer)
    source_identifier: Mapped[str | None] = mapped_column(String(64))
    # The one-time key of the Create Order form that made it: the same form sent twice (a
    # double click, a replayed request) finds this order instead of making a second one.
    submission_key: Mapped[str | None] = mapped_column(String(64))

    # Totals (SPEC §2.1), stored so the grid can show, filter and sort them without recomputing.
    subtotal: Mapped[Money] = mapped_column(default=Decimal("0"), index=True)
    special_discounts_total: Mapped[Money] = mapped_column(default=Decimal("0"), index=True)
    promotion_discounts_total: Mapped[Money] = mapped_column(default=Decimal("0"))
    shipping_cost: Mapped[Money] = mapped_column(default=Decimal("0"))
    shipping_discounts_total: Mapped[Money] = mapped_column(default=Decimal("0"))
    tax_total: Mapped[Money] = mapped_column(default=Decimal("0"))
    total: Mapped[Money] = mapped_column(default=Decimal("0"), index=True)

    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Customer] = relationship()
    customer_user: Mapped[CustomerUser | None] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    payment_term: Mapped[PaymentTerm | None] = relationship()
    shipping_method: Mapped[ShippingMethod | None] = relationship()
    billing_address: Mapped[OrderAddress | None] = relationship(
        foreign_keys=[billing_address_id], cascade="all, delete-orphan", single_parent=True
    )
    shipping_address: Mapped[OrderAddress | None] = relationship(
        foreign_keys=[shipping_address_id], cascade="all, delete-orphan", single_parent=True
    )
    line_items: Mapped[list[OrderLineItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLineItem.id"
    )
    special_discounts: Mapped[list[SpecialDiscount]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="SpecialDiscount.id"
    )
    shipping_trackings: Mapped[list[ShippingTracking]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="ShippingTracking.id"
    )
    applied_promotions: Mapped[list[AppliedPromotion]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="AppliedPromotion.id"
    )

    @property
    def effective_shipping_cost(self) -> Decimal | None:
        """The overridden cost when one is set, else the shipping method's estimate."""
        if self.overridden_shipping_cost is not None:
            return self.overridden_shipping_cost
        return self.estimated_shipping_cost

    def __str__(self) -> str:
        return self.identifier or f"Order {self.id}"


# Search by PO number is case-insensitive and prefix-based; this index serves it on both databases.
# It carries the newest-first sort key, id and the number itself, so that the matches of a
# common prefix ("PO-12": thousands of orders at a million) are collected and sorted from the
# index alone, without reading each one's row for its date (SQLite counts an index on an
# expression as covering only when the expression's columns are in it too).
Index(
    "ix_orders_po_number_lower",
    func.lower(Order.po_number),
    Order.created_at,
    Order.id,
    Order.po_number,
)
# The grid sorts columns that may be empty by a stand-in value (the same order on SQLite and
# PostgreSQL, which place NULLs differently), then by id: these indexes serve those sorts and
# their pages by key (admin/orders/grid.py SORT_STAND_INS).
Index("ix_orders_po_number_sort", func.coalesce(Order.po_number, literal_column("''")), Order.id)
Index("ix_orders_ship_until_sort", func.coalesce(Order.ship_until, literal_column("'0001-01-01'")), Order.id)
# Overdue open orders (the dashboard, the overdue check): counted and listed, most overdue
# first, from this index alone. Partial, so that it holds open orders only, and so that the
# grid's queries, which name the status as a parameter, never pick it over the indexes that
# read their sort in order (SQLite uses a partial index only for a literal 'open').
OPEN_ORDERS = text("internal_status = 'open'")
Index("ix_orders_open_ship_until", Order.ship_until, sqlite_where=OPEN_ORDERS, postgresql_where=OPEN_ORDERS)


class OrderLineItem(Model):
    __tablename__ = "order_line_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    product_sku: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(255))
    free_form: Mapped[bool] = mapped_column(default=False)
    quantity: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    unit: Mapped[str] = mapped_column(String(16))
    unit_price: Mapped[Money]
    ship_by: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    shipped_quantity: Mapped[Decimal] = mapped_column(Numeric(19, 4), default=Decimal("0"))

    order: Mapped[Order] = relationship(back_populates="line_items")
    product: Mapped[Product | None] = relationship()

    def __str__(self) -> str:
        return f"{self.product_sku} × {self.quantity.normalize():f} {self.unit}"


class SpecialDiscount(Model):
    __tablename__ = "special_discounts"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(10))
    value: Mapped[Decimal] = mapped_column(Numeric(19, 4))
    description: Mapped[str | None] = mapped_column(String(255))
    # The rounded amount this discount took off the last time totals were computed.
    amount: Mapped[Money] = mapped_column(default=Decimal("0"))

    order: Mapped[Order] = relationship(back_populates="special_discounts")

    def __str__(self) -> str:
        suffix = "%" if self.type == "percent" else ""
        label = self.description or "Discount"
        return f"{label} ({self.value.normalize():f}{suffix})"


class ShippingTracking(Model):
    __tablename__ = "shipping_trackings"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(255))
    number: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    order: Mapped[Order] = relationship(back_populates="shipping_trackings")

    def __str__(self) -> str:
        return f"{self.method} {self.number}"
