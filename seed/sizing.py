"""How big the demo's reference data is for a number of orders, and how orders spread over
the customers: pure functions, no database.

The small demo (up to 2,500 orders) keeps its 50 customers and 200 products; beyond that the
reference data grows with the orders, so a volume demo reads like a real business: about 50
orders per customer, 3 buyers per customer and 100 orders per product. Orders are not spread
evenly: a few key accounts order a lot (tens of thousands of orders at 1,000,000) and most
customers order a handful of times, so grid filters can be measured on both.
"""

from __future__ import annotations

import random
from itertools import accumulate
from typing import NamedTuple

# The small demo's sizes: never fewer.
BASE_CUSTOMERS = 50
BASE_PRODUCTS = 200
ORDERS_PER_CUSTOMER = 50
ORDERS_PER_PRODUCT = 100
BUYERS_PER_CUSTOMER = 3
# A customer beyond the small demo has 1 to MAX_BUYERS_PER_EXTRA buyers (key accounts more).
MIN_BUYERS_PER_EXTRA = 1
MAX_BUYERS_PER_EXTRA = 60
# Zipf-Mandelbrot account sizes: the customer of rank r (1 = biggest) has weight 1 / (r + Q)^S.
# With 20,000 customers and 1,000,000 orders: biggest ~30,000 orders, 10th ~11,000, median ~8.
ZIPF_Q = 5.0
ZIPF_S = 1.1


class DemoSize(NamedTuple):
    customers: int
    customer_users: int  # wanted in all; the small demo's own customers keep their 1–3 buyers
    products: int


def demo_size(orders: int) -> DemoSize:
    """The reference data for a demo of `orders` orders (the small demo's sizes at least).

    Raises: ValueError for a negative count.
    """
    if orders < 0:
        raise ValueError("orders must be zero or more")
    customers = max(BASE_CUSTOMERS, orders // ORDERS_PER_CUSTOMER)
    products = max(BASE_PRODUCTS, orders // ORDERS_PER_PRODUCT)
    return DemoSize(customers, BUYERS_PER_CUSTOMER * customers, products)


def extra_buyers(size: DemoSize, customers: int, customer_users: int) -> int:
    """How many buyers the customers added beyond `customers` (which have `customer_users`)
    get: the rest of the wanted total, but 1 to 2 × BUYERS_PER_CUSTOMER per added customer
    (a few customers added to the small demo do not take up the buyers it lacks)."""
    added = size.customers - customers
    if added <= 0:
        return 0
    wanted = size.customer_users - customer_users
    return min(max(wanted, MIN_BUYERS_PER_EXTRA * added), 2 * BUYERS_PER_CUSTOMER * added)


def account_ranks(count: int) -> list[int]:
    """The size rank (0 = biggest) of each of `count` customers taken in id order: a fixed
    shuffle, so key accounts are scattered among the ids and the same for a given count."""
    ranks = list(range(count))
    random.Random(f"orderdesk-accounts-{count}").shuffle(ranks)
    return ranks


def account_weights(count: int) -> list[float]:
    """The share of orders (weights, not normalised) of each of `count` customers in id order."""
    return [1.0 / (rank + 1 + ZIPF_Q) ** ZIPF_S for rank in account_ranks(count)]


def cumulative(weights: list[float]) -> list[float]:
    """Cumulative weights, for random.choices(…, cum_weights=…)."""
    return list(accumulate(weights))


def split(total: int, weights: list[float], *, least: int, most: int) -> list[int]:
    """Share `total` among the weights: each gets between `least` and `most`, the rest in
    proportion to the weight (largest remainders first). Deterministic.

    Raises: ValueError when `total` does not fit between len·least and len·most.
    """
    n = len(weights)
    if not n * least <= total <= n * most:
        raise ValueError(f"cannot split {total} into {n} parts of {least} to {most}")
    counts = [least] * n
    rest = total - n * least
    while rest:
        open_ = [i for i in range(n) if counts[i] < most]
        mass = sum(weights[i] for i in open_)
        quotas = {i: rest * weights[i] / mass for i in open_}
        given = 0
        for i in open_:
            add = min(int(quotas[i]), most - counts[i])
            counts[i] += add
            given += add
        rest -= given
        if rest and not given:  # only fractions left: the largest remainders get one more
            for i in sorted(open_, key=lambda i: (-(quotas[i] - int(quotas[i])), i))[:rest]:
                counts[i] += 1
            rest = 0
    return counts
