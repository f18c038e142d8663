"""What one demo order looks like, decided from a random stream before anything is stored.

Both order paths (through `create_order`, and the bulk volume path) store these plans, so a
given seed gives the same orders whichever path stores them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar

from actions.money import round_money
from models import InternalStatus, PaymentStatus, ShippingStatus
from seed.pools import AddressInfo, BuyerInfo, CustomerInfo, MethodInfo, Pools, ProductInfo
from seed.tracking import tracking_number

T = TypeVar("T")

DAYS_OF_HISTORY = 120
# The first orders walk through every internal status so even a tiny demo shows them all.
STATUS_CYCLE = tuple(InternalStatus)
STATUS_WEIGHTS = (
    (InternalStatus.OPEN, 34),
    (InternalStatus.CANCELLED, 8),
    (InternalStatus.SHIPPED, 18),
    (InternalStatus.CLOSED, 30),
    (InternalStatus.ARCHIVED, 10),
)
LINE_COUNT_WEIGHTS = ((1, 25), (2, 30), (3, 25), (4, 12), (5, 8))
NOTES = (
    "Please deliver to the loading dock.",
    "Call before delivery.",
    "Partial deliveries are fine.",
    "Invoice to accounts payable, quote the PO.",
    "Urgent: production line waiting.",
    "Leave at reception if nobody answers.",
)
LINE_NOTES = ("Same batch as last order, please.", "Pack separately.", "Label with our part no.")
DISCOUNTS = (
    ("percent", Decimal("5"), "Loyalty discount"),
    ("percent", Decimal("10"), "Volume discount"),
    ("amount", Decimal("25"), "Goodwill credit"),
    ("amount", Decimal("10"), "Damaged packaging"),
    ("percent", Decimal("2.5"), "Early payment"),
)


@dataclass
class LinePlan:
    product: ProductInfo
    quantity: Decimal
    unit_price: Decimal
    price_overridden: bool
    ship_by: date | None
    notes: str | None
    shipped_quantity: Decimal = Decimal("0")


@dataclass
class OrderPlan:
    position: int
    customer: CustomerInfo
    buyer: BuyerInfo | None
    currency: str
    lines: list[LinePlan]
    billing: AddressInfo
    shipping: AddressInfo
    method: MethodInfo | None
    overridden_shipping_cost: Decimal | None
    discounts: list[tuple[str, Decimal, str]]
    po_number: str | None
    ship_until: date | None
    customer_notes: str | None
    payment_term_id: int | None
    payment_method: str
    owner_id: int | None
    internal_status: InternalStatus
    shipping_status: ShippingStatus
    payment_status: PaymentStatus
    created_at: datetime
    updated_at: datetime
    source_position: int | None
    trackings: list[tuple[str, str, datetime]] = field(default_factory=list)


def _weighted(rng: random.Random, table: tuple[tuple[T, int], ...]) -> T:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def _created_at(rng: random.Random, position: int, total: int, now: datetime) -> datetime:
    """Spread over the last 120 days in id order; the last 2% (at least 3) are from today."""
    midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
    if position >= total - max(3, total // 50):
        return midnight + (now - midnight) * rng.random()
    start = midnight - timedelta(days=DAYS_OF_HISTORY)
    moment = start + timedelta(days=DAYS_OF_HISTORY) * (position / total)
    return min(moment + timedelta(minutes=rng.uniform(0, 30)), midnight - timedelta(seconds=1))


def _lines(rng: random.Random, products: list[ProductInfo], currency: str, created: date) -> list[LinePlan]:
    chosen = rng.sample(products, _weighted(rng, LINE_COUNT_WEIGHTS))
    lines = []
    for product in chosen:
        if product.unit == "kg":
            quantity = Decimal(rng.randint(5, 250)) / 10
        elif product.unit == "box":
            quantity = Decimal(rng.randint(1, 6))
        else:
            quantity = Decimal(rng.choice((1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 20, 25, 50)))
        price = product.prices[currency]
        overridden = rng.random() < 0.08
        if overridden:
            price = round_money(price * Decimal(rng.choice(("0.85", "0.9", "0.95"))), currency)
        ship_by = created + timedelta(days=rng.randint(5, 40)) if rng.random() < 0.2 else None
        notes = rng.choice(LINE_NOTES) if rng.random() < 0.05 else None
        lines.append(LinePlan(product, quantity, price, overridden, ship_by, notes))
    return lines


def _addresses(
    rng: random.Random, customer: CustomerInfo, buyer: BuyerInfo | None
) -> tuple[AddressInfo, AddressInfo]:
    billing = next((a for a in customer.addresses if a.is_default_billing), customer.addresses[0])
    shipping = next((a for a in customer.addresses if a.is_default_shipping), billing)
    if rng.random() < 0.25:
        shipping = rng.choice(customer.addresses)
    if buyer and buyer.addresses and rng.random() < 0.5:
        shipping = buyer.addresses[0]
    return billing, shipping


def _discounts(rng: random.Random, lines: list[LinePlan], currency: str) -> list[tuple[str, Decimal, str]]:
    if rng.random() >= 0.15:
        return []
    subtotal = sum((round_money(li.unit_price * li.quantity, currency) for li in lines), Decimal("0"))
    picked = rng.sample(DISCOUNTS, 2 if rng.random() < 0.2 else 1)
    # An amount never takes more than half the subtotal, so the order stays valid.
    return [d for d in picked if d[0] == "percent" or d[1] * 2 <= subtotal]


def _status(rng: random.Random, position: int) -> InternalStatus:
    if position < len(STATUS_CYCLE):
        return STATUS_CYCLE[position]
    return _weighted(rng, STATUS_WEIGHTS)


def _ship(rng: random.Random, plan: OrderPlan, now: datetime) -> None:
    """Fill shipping status, shipped quantities, trackings and payment status for the status."""
    status = plan.internal_status
    finished = status in (InternalStatus.CLOSED, InternalStatus.ARCHIVED)
    shipped = status == InternalStatus.SHIPPED or (finished and rng.random() < 0.85)
    partial = status == InternalStatus.OPEN and len(plan.lines) > 1 and rng.random() < 0.2
    if shipped or partial:
        lines = plan.lines if shipped else plan.lines[: rng.randint(1, len(plan.lines) - 1)]
        for line in lines:
            line.shipped_quantity = line.quantity
        plan.shipping_status = ShippingStatus.SHIPPED if shipped else ShippingStatus.PARTIALLY_SHIPPED
        carrier = plan.method.carrier if plan.method else None
        for _ in range(1 if partial or rng.random() < 0.7 else 2):
            method, number = tracking_number(rng, carrier)
            when = min(plan.created_at + timedelta(hours=rng.randint(6, 96)), now)
            plan.trackings.append((method, number, when))
    if status != InternalStatus.OPEN:
        plan.updated_at = min(plan.created_at + timedelta(hours=rng.randint(2, 24 * 14)), now)
    if finished:
        plan.payment_status = PaymentStatus.PAID_IN_FULL if rng.random() < 0.9 else PaymentStatus.REFUNDED
    elif status == InternalStatus.SHIPPED:
        plan.payment_status = rng.choice(
            (PaymentStatus.PENDING, PaymentStatus.PARTIALLY_PAID, PaymentStatus.PAID_IN_FULL)
        )
    elif status == InternalStatus.CANCELLED:
        plan.payment_status = PaymentStatus.REFUNDED if rng.random() < 0.15 else PaymentStatus.PENDING
    else:
        plan.payment_status = PaymentStatus.PARTIALLY_PAID if rng.random() < 0.15 else PaymentStatus.PENDING


def plan_order(rng: random.Random, pools: Pools, position: int, total: int, now: datetime) -> OrderPlan:
    """Decide every field of the demo order at `position` (0-based) of `total`."""
    customer = rng.choice(pools.customers)
    buyer = rng.choice(customer.buyers) if customer.buyers and rng.random() < 0.85 else None
    currency = {"US": "USD", "DE": "EUR", "FR": "EUR"}.get(
        customer.country, "EUR" if rng.random() < 0.5 else "USD"
    )
    created_at = _created_at(rng, position, total, now)
    lines = _lines(rng, pools.products_in(currency), currency, created_at.date())
    billing, shipping = _addresses(rng, customer, buyer)
    method = rng.choice(pools.methods) if pools.methods and rng.random() < 0.9 else None
    overridden = None
    if method and rng.random() < 0.05:
        overridden = Decimal(rng.choice(("0", "9.99", "49.00")))
    po = None
    if rng.random() < 0.7:
        po = f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.6 else f"4500{rng.randint(0, 999999):06d}"
    ship_until = created_at.date() + timedelta(days=rng.randint(5, 60)) if rng.random() < 0.6 else None
    term = customer.payment_term_id
    plan = OrderPlan(
        position=position,
        customer=customer,
        buyer=buyer,
        currency=currency,
        lines=lines,
        billing=billing,
        shipping=shipping,
        method=method,
        overridden_shipping_cost=overridden,
        discounts=_discounts(rng, lines, currency),
        po_number=po,
        ship_until=ship_until,
        customer_notes=rng.choice(NOTES) if rng.random() < 0.1 else None,
        payment_term_id=term,
        payment_method="payment_term"
        if term and rng.random() < 0.8
        else rng.choice(("check", "wire", "card_offline")),
        owner_id=customer.owner_id
        if customer.owner_id and rng.random() < 0.7
        else rng.choice(pools.owner_ids),
        internal_status=_status(rng, position),
        shipping_status=ShippingStatus.NOT_SHIPPED,
        payment_status=PaymentStatus.PENDING,
        created_at=created_at,
        updated_at=created_at,
        source_position=rng.randrange(max(0, position - 1000), position)
        if position >= 10 and rng.random() < 0.05
        else None,
    )
    _ship(rng, plan, now)
    return plan
