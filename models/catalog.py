"""What orders are made of: products and their prices, payment terms, shipping methods, taxes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import CurrencyCode, Model, Money, Timestamped

UNITS = ("item", "set", "kg", "piece", "box")
# Units that may be ordered in fractions; every other unit takes whole quantities only.
FRACTIONAL_UNITS = frozenset({"kg"})
SHIPPING_TYPES = ("flat_per_order", "flat_per_item")
CARRIERS = ("UPS", "FedEx", "USPS", "DHL")


class Product(Timestamped, Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255), index=True)
    unit: Mapped[str] = mapped_column(String(16), default="item")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    prices: Mapped[list[ProductPrice]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductPrice.currency"
    )

    def __str__(self) -> str:
        return f"{self.sku} — {self.name}"


class ProductPrice(Model):
    __tablename__ = "product_prices"
    __table_args__ = (UniqueConstraint("product_id", "currency", "unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    currency: Mapped[CurrencyCode]
    unit: Mapped[str] = mapped_column(String(16))
    value: Mapped[Money]

    product: Mapped[Product] = relationship(back_populates="prices")

    def __str__(self) -> str:
        return f"{self.value} {self.currency} / {self.unit}"


class PaymentTerm(Model):
    __tablename__ = "payment_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(255), unique=True)

    def __str__(self) -> str:
        return self.label


class ShippingMethod(Model):
    __tablename__ = "shipping_methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(20), default="flat_per_order")
    handling_fee: Mapped[Money] = mapped_column(default=Decimal("0"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    carrier: Mapped[str | None] = mapped_column(String(16))

    prices: Mapped[list[ShippingMethodPrice]] = relationship(
        back_populates="method",
        cascade="all, delete-orphan",
        order_by="ShippingMethodPrice.currency",
    )

    def __str__(self) -> str:
        return self.name


class ShippingMethodPrice(Model):
    __tablename__ = "shipping_method_prices"
    __table_args__ = (UniqueConstraint("method_id", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    method_id: Mapped[int] = mapped_column(ForeignKey("shipping_methods.id"), index=True)
    currency: Mapped[CurrencyCode]
    price: Mapped[Money]

    method: Mapped[ShippingMethod] = relationship(back_populates="prices")

    def __str__(self) -> str:
        return f"{self.price} {self.currency}"


class TaxRule(Model):
    __tablename__ = "tax_rules"
    __table_args__ = (UniqueConstraint("country", "region"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(64))
    rate_percent: Mapped[Decimal] = mapped_column(Numeric(7, 4))
    applies_to_shipping: Mapped[bool] = mapped_column(Boolean, default=False)

    def __str__(self) -> str:
        where = f"{self.country}-{self.region}" if self.region else self.country
        return f"{where}: {self.rate_percent}%"
