"""The reference data orders are drawn from, read once into plain objects.

Plain objects (not ORM instances) survive the commits of the volume path without reloads.
"""

from __future__ import annotations

import random
from bisect import bisect
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
    ProductPrice,
    ShippingMethod,
    TaxRule,
    User,
)
from seed.sizing import account_weights, cumulative


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
    # The default billing and shipping addresses (else the first, else billing).
    billing: AddressInfo = field(init=False, repr=False)
    shipping: AddressInfo = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.billing = next((a for a in self.addresses if a.is_default_billing), self.addresses[0])
        self.shipping = next((a for a in self.addresses if a.is_default_shipping), self.billing)


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
    _cum_weights: list[float] = field(default_factory=list)

    def pick_customer(self, rng: random.Random) -> CustomerInfo:
        """A customer drawn by account size (seed.sizing.account_weights): a few key accounts
        get most orders, most customers a few."""
        if len(self._cum_weights) != len(self.customers):
            self._cum_weights = cumulative(account_weights(len(self.customers)))
        cum = self._cum_weights
        return self.customers[bisect(cum, rng.random() * cum[-1])]

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


def _address_info(row: Any, book: str) -> AddressInfo:
    return AddressInfo(
        id=row.id,
        book=book,
        values={k: row._mapping[k] for k in ADDRESS_FIELDS},
        is_billing=row.is_billing,
        is_default_billing=row.is_default_billing,
        is_default_shipping=row.is_default_shipping,
    )


def _address_books(session: Session, model: type, owner: Any) -> dict[int, list[AddressInfo]]:
    """Every address of a book, grouped by its owner's id, in id order."""
    book = "customer" if model is CustomerAddress else "customer_user"
    columns = [model.id, owner, model.is_billing, model.is_default_billing, model.is_default_shipping]  # type: ignore[attr-defined]
    columns += [getattr(model, k) for k in ADDRESS_FIELDS]
    grouped: dict[int, list[AddressInfo]] = {}
    for row in session.execute(select(*columns).order_by(model.id)):  # type: ignore[attr-defined]
        grouped.setdefault(row[1], []).append(_address_info(row, book))
    return grouped


def load_pools(session: Session) -> Pools:
    """Read customers (with a default address), products with prices, shipping and taxes.

    Plain rows, not ORM instances: a volume demo has tens of thousands of customers.
    """
    customer_books = _address_books(session, CustomerAddress, CustomerAddress.customer_id)
    buyer_books = _address_books(session, CustomerUserAddress, CustomerUserAddress.customer_user_id)
    buyers: dict[int, list[BuyerInfo]] = {}
    for user_id, customer_id in session.execute(
        select(CustomerUser.id, CustomerUser.customer_id)
        .where(CustomerUser.enabled.is_(True))
        .order_by(CustomerUser.id)
    ):
        buyers.setdefault(customer_id, []).append(BuyerInfo(user_id, buyer_books.get(user_id, [])))
    customers = []
    for c in session.execute(
        select(Customer.id, Customer.name, Customer.payment_term_id, Customer.owner_id).order_by(Customer.id)
    ):
        addresses = customer_books.get(c.id)
        if not addresses:
            continue  # a customer without an address book cannot receive demo orders
        customers.append(
            CustomerInfo(
                id=c.id,
                name=c.name,
                country=addresses[0].values["country"],
                payment_term_id=c.payment_term_id,
                owner_id=c.owner_id,
                addresses=addresses,
                buyers=buyers.get(c.id, []),
            )
        )
    prices: dict[int, dict[str, Decimal]] = {}
    for product_id, currency, value in session.execute(
        select(ProductPrice.product_id, ProductPrice.currency, ProductPrice.value)
        .join(Product, Product.id == ProductPrice.product_id)
        .where(ProductPrice.unit == Product.unit)
        .order_by(ProductPrice.id)
    ):
        prices.setdefault(product_id, {})[currency] = value
    products = [
        ProductInfo(p.id, p.sku, p.name, p.unit, prices.get(p.id, {}))
        for p in session.execute(
            select(Product.id, Product.sku, Product.name, Product.unit)
            .where(Product.active.is_(True))
            .order_by(Product.id)
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
