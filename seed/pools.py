"""The reference data orders are drawn from, read once into plain objects.

Plain objects (not ORM instances) survive the commits of the volume path without reloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from actions.order_input import ADDRESS_FIELDS
from models import (
    Customer,
    CustomerAddress,
    CustomerUser,
    CustomerUserAddress,
    Product,
    ShippingMethod,
    TaxRule,
    User,
)


@dataclass(frozen=True)
class AddressInfo:
    id: int
    book: str  # 'customer' or 'customer_user'
    values: dict[str, Any]
    is_billing: bool
    is_default_billing: bool
    is_default_shipping: bool


@dataclass
class BuyerInfo:
    id: int
    addresses: list[AddressInfo]


@dataclass
class CustomerInfo:
    id: int
    name: str
    country: str
    payment_term_id: int | None
    owner_id: int | None
    addresses: list[AddressInfo]
    buyers: list[BuyerInfo]


@dataclass(frozen=True)
class ProductInfo:
    id: int
    sku: str
    name: str
    unit: str
    prices: dict[str, Decimal]


@dataclass(frozen=True)
class PriceInfo:
    currency: str
    price: Decimal


@dataclass(frozen=True)
class MethodInfo:
    """Quacks like ShippingMethod for actions.pricing.estimate_shipping_cost."""

    id: int
    type: str
    handling_fee: Decimal
    carrier: str | None
    prices: tuple[PriceInfo, ...]


@dataclass(frozen=True)
class TaxInfo:
    country: str
    region: str | None
    rate_percent: Decimal
    applies_to_shipping: bool


@dataclass
class Pools:
    customers: list[CustomerInfo]
    products: list[ProductInfo]
    methods: list[MethodInfo]
    taxes: list[TaxInfo]
    owner_ids: list[int]
    _tax_cache: dict[tuple[str, str | None], TaxInfo | None] = field(default_factory=dict)
    _by_currency: dict[str, list[ProductInfo]] = field(default_factory=dict)

    def products_in(self, currency: str) -> list[ProductInfo]:
        """The products with a list price in the currency (in id order)."""
        if currency not in self._by_currency:
            self._by_currency[currency] = [p for p in self.products if currency in p.prices]
        return self._by_currency[currency]

    def tax_for(self, country: str, region: str | None) -> TaxInfo | None:
        """The same choice as actions.pricing.find_tax_rule: country + region, else country."""
        key = (country, region)
        if key not in self._tax_cache:
            rules = [t for t in self.taxes if t.country == country]
            exact = next((t for t in rules if region and t.region == region), None)
            self._tax_cache[key] = exact or next((t for t in rules if t.region is None), None)
        return self._tax_cache[key]


def _address(entry: CustomerAddress | CustomerUserAddress, book: str) -> AddressInfo:
    return AddressInfo(
        id=entry.id,
        book=book,
        values={k: getattr(entry, k) for k in ADDRESS_FIELDS},
        is_billing=entry.is_billing,
        is_default_billing=entry.is_default_billing,
        is_default_shipping=entry.is_default_shipping,
    )


def load_pools(session: Session) -> Pools:
    """Read customers (with a default address), products with prices, shipping and taxes."""
    customers = []
    rows = session.scalars(
        select(Customer)
        .order_by(Customer.id)
        .options(
            selectinload(Customer.addresses),
            selectinload(Customer.users).selectinload(CustomerUser.addresses),
        )
    )
    for c in rows:
        if not c.addresses:
            continue  # a customer without an address book cannot receive demo orders
        buyers = [
            BuyerInfo(u.id, [_address(a, "customer_user") for a in u.addresses])
            for u in sorted(c.users, key=lambda u: u.id)
            if u.enabled
        ]
        customers.append(
            CustomerInfo(
                id=c.id,
                name=c.name,
                country=c.addresses[0].country,
                payment_term_id=c.payment_term_id,
                owner_id=c.owner_id,
                addresses=[_address(a, "customer") for a in c.addresses],
                buyers=buyers,
            )
        )
    products = [
        ProductInfo(
            p.id, p.sku, p.name, p.unit, {pr.currency: pr.value for pr in p.prices if pr.unit == p.unit}
        )
        for p in session.scalars(
            select(Product)
            .where(Product.active.is_(True))
            .order_by(Product.id)
            .options(selectinload(Product.prices))
        )
    ]
    methods = [
        MethodInfo(
            m.id,
            m.type,
            m.handling_fee or Decimal("0"),
            m.carrier,
            tuple(PriceInfo(p.currency, p.price) for p in m.prices),
        )
        for m in session.scalars(
            select(ShippingMethod)
            .where(ShippingMethod.active.is_(True))
            .order_by(ShippingMethod.id)
            .options(selectinload(ShippingMethod.prices))
        )
    ]
    taxes = [
        TaxInfo(t.country, t.region, t.rate_percent, t.applies_to_shipping)
        for t in session.scalars(select(TaxRule).order_by(TaxRule.id))
    ]
    owner_ids = list(
        session.scalars(
            select(User.id)
            .where(User.role.in_(("admin", "manager", "sales")), User.active.is_(True))
            .order_by(User.id)
        )
    )
    return Pools(customers, products, methods, taxes, owner_ids)
