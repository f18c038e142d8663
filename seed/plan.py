"""What one demo order looks like, decided from a random stream before anything is stored.

Both order paths (through `create_order`, and the bulk volume path) store these plans, so a
given seed gives the same orders whichever path stores them.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from typing import Any, TypeVar

from actions.money import round_money
from models import InternalStatus, PaymentStatus, ShippingStatus
from seed.pools import AddressInfo, BuyerInfo, CustomerInfo, MethodInfo, Pools, ProductInfo
from seed.tracking import tracking_number

T = TypeVar("T")

DAYS_OF_HISTORY = 120
# The first orders walk through every internal status and shipment (SPEC §2.2), so even a
# tiny demo shows them all.
PATH_CYCLE = (
    (InternalStatus.OPEN, ShippingStatus.NOT_SHIPPED),
    (InternalStatus.CANCELLED, ShippingStatus.NOT_SHIPPED),
    (InternalStatus.SHIPPED, ShippingStatus.SHIPPED),
    (InternalStatus.CLOSED, ShippingStatus.NOT_SHIPPED),
    (InternalStatus.ARCHIVED, ShippingStatus.NOT_SHIPPED),
    (InternalStatus.OPEN, ShippingStatus.PARTIALLY_SHIPPED),
    (InternalStatus.CLOSED, ShippingStatus.SHIPPED),
    (InternalStatus.ARCHIVED, ShippingStatus.SHIPPED),
)
STATUS_WEIGHTS = (
    (InternalStatus.OPEN, 34),
    (InternalStatus.CANCELLED, 8),
    (InternalStatus.SHIPPED, 18),
    (InternalStatus.CLOSED, 30),
    (InternalStatus.ARCHIVED, 10),
)
# About 3 lines per order: most have 1 to 4, a few a dozen.
LINE_COUNT_WEIGHTS = ((1, 22), (2, 27), (3, 21), (4, 13), (5, 8), (6, 5), (8, 3), (12, 1))
# The currency of a customer's orders, by the country of its first address; British and
# Japanese customers sometimes buy in euros or dollars, the rest of the world in either.
HOME_CURRENCY = {"US": "USD", "DE": "EUR", "FR": "EUR", "GB": "GBP", "JP": "JPY"}
FOREIGN_CURRENCY = {"GB": ("EUR", 0.2), "JP": ("USD", 0.2)}
QUANTITIES = tuple(Decimal(q) for q in (1, 1, 2, 2, 3, 4, 5, 6, 10, 12, 20, 25, 50))
KG_QUANTITIES = tuple(Decimal(q) / 10 for q in range(5, 251))
BOX_QUANTITIES = tuple(Decimal(q) for q in range(1, 7))
OVERRIDE_FACTORS = (Decimal("0.85"), Decimal("0.9"), Decimal("0.95"))
# Shipping costs typed over the estimate; in yen, whole ones (no minor unit).
SHIPPING_OVERRIDES = (Decimal("0"), Decimal("9.99"), Decimal("49.00"))
OVERRIDDEN_SHIPPING = {"JPY": (Decimal("0"), Decimal("1500"), Decimal("7500"))}
SHIPPED_PAYMENT = (PaymentStatus.PENDING, PaymentStatus.PARTIALLY_PAID, PaymentStatus.PAID_IN_FULL)
OTHER_PAYMENT_METHODS = ("check", "wire", "card_offline")
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
# Amount discounts are in dollars, euros and pounds; a hundred times more yen.
AMOUNT_SCALE = {"JPY": Decimal(100)}


@dataclass(slots=True)
class LinePlan:
    product: ProductInfo
    quantity: Decimal
    unit_price: Decimal
    price_overridden: bool
    ship_by: date | None
    notes: str | None
    shipped_quantity: Decimal = Decimal("0")


@dataclass(slots=True)
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


def _pick(rng: random.Random, seq: Sequence[T]) -> T:
    """Like rng.choice, in one call to the generator: a volume demo draws millions."""
    return seq[int(rng.random() * len(seq))]


def _between(rng: random.Random, low: int, high: int) -> int:
    """Like rng.randint(low, high), in one call to the generator."""
    return low + int(rng.random() * (high - low + 1))


class _Weighted:
    """A weighted choice among a table's values, its cumulative weights computed once."""

    def __init__(self, table: tuple[tuple[T, int], ...]) -> None:
        self.values = [v for v, _ in table]
        self.cum_weights = list(accumulate(w for _, w in table))
        self.total = self.cum_weights[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cum_weights, rng.random() * self.total)]


_status_choice = _Weighted(STATUS_WEIGHTS)
_line_count = _Weighted(LINE_COUNT_WEIGHTS)


def order_currency(rng: random.Random, country: str) -> str:
    """The currency of an order from a customer in `country` (HOME_CURRENCY, FOREIGN_CURRENCY)."""
    home = HOME_CURRENCY.get(country)
    if home is None:
        return "EUR" if rng.random() < 0.5 else "USD"
    foreign = FOREIGN_CURRENCY.get(country)
    if foreign and rng.random() < foreign[1]:
        return foreign[0]
    return home


@lru_cache(maxsize=4)
def _timeline(total: int, now: datetime) -> tuple[datetime, timedelta, int, datetime, timedelta, datetime]:
    """History start, its length, the first position of today, today's midnight, the time
    since, and the last moment before today."""
    midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
    history = timedelta(days=DAYS_OF_HISTORY)
    before_today = midnight - timedelta(seconds=1)
    return midnight - history, history, total - max(3, total // 50), midnight, now - midnight, before_today


def _created_at(rng: random.Random, position: int, total: int, now: datetime) -> datetime:
    """Spread over the last 120 days in id order; the last 2% (at least 3) are from today."""
    start, history, today_from, midnight, today, before_today = _timeline(total, now)
    if position >= today_from:
        return midnight + today * rng.random()
    moment = start + history * (position / total)
    return min(moment + timedelta(minutes=30 * rng.random()), before_today)


def _lines(
    rng: random.Random, products: list[ProductInfo], currency: str, created: date, least: int
) -> list[LinePlan]:
    lines = []
    for product in _distinct(rng, products, max(least, _line_count(rng))):
        if product.unit == "kg":
            quantity = _pick(rng, KG_QUANTITIES)
        elif product.unit == "box":
            quantity = _pick(rng, BOX_QUANTITIES)
        else:
            quantity = _pick(rng, QUANTITIES)
        price = product.prices[currency]
        overridden = rng.random() < 0.08
        if overridden:
            price = round_money(price * _pick(rng, OVERRIDE_FACTORS), currency)
        ship_by = created + timedelta(days=_between(rng, 5, 40)) if rng.random() < 0.2 else None
        notes = _pick(rng, LINE_NOTES) if rng.random() < 0.05 else None
        lines.append(LinePlan(product, quantity, price, overridden, ship_by, notes))
    return lines


def _distinct(rng: random.Random, items: Sequence[T], count: int) -> list[T]:
    """`count` different items (all of them if there are fewer), in the order drawn."""
    if count >= len(items):
        return list(items)
    seen: set[int] = set()
    chosen: list[T] = []
    while len(chosen) < count:
        index = int(rng.random() * len(items))
        if index not in seen:
            seen.add(index)
            chosen.append(items[index])
    return chosen


def _addresses(
    rng: random.Random, customer: CustomerInfo, buyer: BuyerInfo | None
) -> tuple[AddressInfo, AddressInfo]:
    billing, shipping = customer.billing, customer.shipping
    if rng.random() < 0.25:
        shipping = _pick(rng, customer.addresses)
    if buyer and buyer.addresses and rng.random() < 0.5:
        shipping = buyer.addresses[0]
    return billing, shipping


def _discounts(rng: random.Random, lines: list[LinePlan], currency: str) -> list[tuple[str, Decimal, str]]:
    if rng.random() >= 0.15:
        return []
    subtotal = sum((round_money(li.unit_price * li.quantity, currency) for li in lines), Decimal("0"))
    picked = rng.sample(DISCOUNTS, 2 if rng.random() < 0.2 else 1)
    scale = AMOUNT_SCALE.get(currency)
    if scale:
        picked = [
            (kind, value * scale if kind == "amount" else value, label) for kind, value, label in picked
        ]
    # An amount never takes more than half the subtotal, so the order stays valid.
    return [d for d in picked if d[0] == "percent" or d[1] * 2 <= subtotal]


def _status(rng: random.Random, position: int) -> InternalStatus:
    if position < len(PATH_CYCLE):
        return PATH_CYCLE[position][0]
    return _status_choice(rng)


def _ship(rng: random.Random, plan: OrderPlan, now: datetime) -> None:
    """Fill shipping status, shipped quantities, trackings and payment status for the status."""
    status = plan.internal_status
    finished = status in (InternalStatus.CLOSED, InternalStatus.ARCHIVED)
    if plan.position < len(PATH_CYCLE):
        shipment = PATH_CYCLE[plan.position][1]
        shipped = shipment == ShippingStatus.SHIPPED
        partial = shipment == ShippingStatus.PARTIALLY_SHIPPED and len(plan.lines) > 1
    else:
        shipped = status == InternalStatus.SHIPPED or (finished and rng.random() < 0.85)
        partial = status == InternalStatus.OPEN and len(plan.lines) > 1 and rng.random() < 0.2
    if shipped or partial:
        lines = plan.lines if shipped else plan.lines[: _between(rng, 1, len(plan.lines) - 1)]
        for line in lines:
            line.shipped_quantity = line.quantity
        plan.shipping_status = ShippingStatus.SHIPPED if shipped else ShippingStatus.PARTIALLY_SHIPPED
        carrier = plan.method.carrier if plan.method else None
        for _ in range(1 if partial or rng.random() < 0.7 else 2):
            method, number = tracking_number(rng, carrier)
            when = min(plan.created_at + timedelta(hours=_between(rng, 6, 96)), now)
            plan.trackings.append((method, number, when))
    if status != InternalStatus.OPEN:
        plan.updated_at = min(plan.created_at + timedelta(hours=_between(rng, 2, 24 * 14)), now)
    if finished:
        plan.payment_status = PaymentStatus.PAID_IN_FULL if rng.random() < 0.9 else PaymentStatus.REFUNDED
    elif status == InternalStatus.SHIPPED:
        plan.payment_status = _pick(rng, SHIPPED_PAYMENT)
    elif status == InternalStatus.CANCELLED:
        plan.payment_status = PaymentStatus.REFUNDED if rng.random() < 0.15 else PaymentStatus.PENDING
    else:
        plan.payment_status = PaymentStatus.PARTIALLY_PAID if rng.random() < 0.15 else PaymentStatus.PENDING


def plan_order(rng: random.Random, pools: Pools, position: int, total: int, now: datetime) -> OrderPlan:
    """Decide every field of the demo order at `position` (0-based) of `total`."""
    customer = pools.pick_customer(rng)
    buyer = _pick(rng, customer.buyers) if customer.buyers and rng.random() < 0.85 else None
    currency = order_currency(rng, customer.country)
    created_at = _created_at(rng, position, total, now)
    created = created_at.date()
    # A partial shipment needs two lines at least.
    least = (
        2 if position < len(PATH_CYCLE) and PATH_CYCLE[position][1] == ShippingStatus.PARTIALLY_SHIPPED else 1
    )
    lines = _lines(rng, pools.products_in(currency), currency, created, least)
    billing, shipping = _addresses(rng, customer, buyer)
    method = _pick(rng, pools.methods) if pools.methods and rng.random() < 0.9 else None
    overridden = None
    if method and rng.random() < 0.05:
        overridden = _pick(rng, OVERRIDDEN_SHIPPING.get(currency, SHIPPING_OVERRIDES))
    po = None
    if rng.random() < 0.7:
        po = (
            f"PO-{_between(rng, 10000, 99999)}"
            if rng.random() < 0.6
            else f"4500{_between(rng, 0, 999999):06d}"
        )
    ship_until = created + timedelta(days=_between(rng, 5, 60)) if rng.random() < 0.6 else None
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
        customer_notes=_pick(rng, NOTES) if rng.random() < 0.1 else None,
        payment_term_id=term,
        payment_method="payment_term" if term and rng.random() < 0.8 else _pick(rng, OTHER_PAYMENT_METHODS),
        owner_id=customer.owner_id
        if customer.owner_id and rng.random() < 0.7
        else _pick(rng, pools.owner_ids),
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
