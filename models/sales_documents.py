"""Documents orders are made from: shopping lists and requests for quote (RFQs).

Creating an order from one only reads it (SPEC §5); the order links back through its
`source_type`, `source_id` and `source_identifier`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    event,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from models.base import CurrencyCode, Model, Money, Timestamped
from models.catalog import Product

if TYPE_CHECKING:
    from models.customers import Customer, CustomerUser

RFQ_STATUSES = ("open", "processed", "more_info_requested", "declined", "cancelled_by_customer")
RFQ_STATUS_LABELS = {
    "open": "Open",
    "processed": "Processed",
    "more_info_requested": "More Info Requested",
    "declined": "Declined",
    "cancelled_by_customer": "Cancelled By Customer",
}
# What a requested item's target price is in when nobody says otherwise.
DEFAULT_RFQ_CURRENCY = "USD"


class ShoppingList(Timestamped, Model):
    __tablename__ = "shopping_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    customer_user_id: Mapped[int | None] = mapped_column(ForeignKey("customer_users.id"), index=True)
    currency: Mapped[CurrencyCode] = mapped_column(default="USD")
    notes: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer] = relationship()
    customer_user: Mapped[CustomerUser | None] = relationship()
    lines: Mapped[list[ShoppingListLine]] = relationship(
        back_populates="shopping_list",
        cascade="all, delete-orphan",
        order_by="ShoppingListLine.id",
    )

    def __str__(self) -> str:
        return self.label or f"Shopping List {self.id}"


class ShoppingListLine(Model):
    __tablename__ = "shopping_list_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shopping_list_id: Mapped[int] = mapped_column(
        ForeignKey("shopping_lists.id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(19, 4), default=Decimal("1"))
    unit: Mapped[str] = mapped_column(String(16), default="item")
    notes: Mapped[str | None] = mapped_column(Text)

    shopping_list: Mapped[ShoppingList] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    def __str__(self) -> str:
        sku = self.product.sku if self.product is not None else "?"
        quantity = f"{self.quantity.normalize():f}" if self.quantity is not None else "?"
        return f"{sku} × {quantity} {self.unit}"


class RequestForQuote(Timestamped, Model):
    __tablename__ = "rfqs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('open', 'processed', 'more_info_requested', 'declined', 'cancelled_by_customer')",
            name="status_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    customer_user_id: Mapped[int | None] = mapped_column(ForeignKey("customer_users.id"), index=True)
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(64))
    company: Mapped[str | None] = mapped_column(String(255))
    po_number: Mapped[str | None] = mapped_column(String(255))
    ship_until: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30), default="open", index=True)

    customer: Mapped[Customer] = relationship()
    customer_user: Mapped[CustomerUser | None] = relationship()
    requested_products: Mapped[list[RequestProduct]] = relationship(
        back_populates="rfq", cascade="all, delete-orphan", order_by="RequestProduct.id"
    )

    @property
    def target_currency(self) -> str | None:
        """The currency of the first target price; None when no item has one."""
        for requested in self.requested_products:
            for item in requested.items:
                if item.target_price is not None and item.currency:
                    return item.currency
        return None

    @property
    def contact_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)

    def __str__(self) -> str:
        return f"RFQ #{self.id}" if self.id is not None else "New RFQ"


class RequestProduct(Model):
    """A product asked for in an RFQ; its SKU and name are kept should the product be deleted."""

    __tablename__ = "rfq_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    rfq_id: Mapped[int] = mapped_column(ForeignKey("rfqs.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    product_sku: Mapped[str | None] = mapped_column(String(64))
    product_name: Mapped[str | None] = mapped_column(String(255))
    comment: Mapped[str | None] = mapped_column(Text)

    rfq: Mapped[RequestForQuote] = relationship(back_populates="requested_products")
    product: Mapped[Product | None] = relationship()
    items: Mapped[list[RequestProductItem]] = relationship(
        back_populates="request_product",
        cascade="all, delete-orphan",
        order_by="RequestProductItem.id",
    )

    def __str__(self) -> str:
        if self.product is not None:
            return str(self.product)
        return self.product_sku or "Deleted product"


class RequestProductItem(Model):
    """One requested quantity of a requested product, with the price the customer hopes for."""

    __tablename__ = "rfq_product_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_product_id: Mapped[int] = mapped_column(
        ForeignKey("rfq_products.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[Decimal] = mapped_column(Numeric(19, 4), default=Decimal("1"))
    unit: Mapped[str] = mapped_column(String(16), default="item")
    target_price: Mapped[Money | None]
    currency: Mapped[CurrencyCode] = mapped_column(default=DEFAULT_RFQ_CURRENCY)

    request_product: Mapped[RequestProduct] = relationship(back_populates="items")

    def __str__(self) -> str:
        quantity = f"{self.quantity.normalize():f}" if self.quantity is not None else "?"
        price = f" @ {self.target_price} {self.currency}" if self.target_price is not None else ""
        return f"{quantity} {self.unit}{price}"


@event.listens_for(RequestProduct, "before_insert")
@event.listens_for(RequestProduct, "before_update")
def _snapshot_product(mapper: Mapper[Any], connection: Connection, target: RequestProduct) -> None:
    """Keep the product's SKU and name on the request, for when the product is deleted."""
    if target.product_id is None:
        return
    row = connection.execute(
        select(Product.sku, Product.name).where(Product.id == target.product_id)
    ).one_or_none()
    if row is not None:
        target.product_sku, target.product_name = row.sku, row.name
