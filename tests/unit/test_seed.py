"""The demo seed (SPEC §9): deterministic per seed, every status present, a used database
left alone, and bulk-inserted orders as consistent as those made through create_order."""

from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.orm import Session

from actions.creation import OrderData, create_order
from actions.history import is_status_action
from actions.lifecycle import get_transition
from actions.money import CURRENCIES
from actions.order_input import LineData
from actions.permissions import has_permission
from actions.pricing import order_totals
from actions.shipping import PARTIAL_SHIPMENT
from actions.users import authenticate, create_user
from models import (
    AuditEntry,
    Customer,
    CustomerAddress,
    CustomerUser,
    Order,
    OrderLineItem,
    PaymentStatus,
    Product,
    ShippingTracking,
    User,
    order_identifier,
)
from models.orders import INTERNAL_STATUSES, SHIPPING_STATUSES
from seed import DEMO_LOGINS, ORM_ORDERS, seed_demo, volume
from seed.bulk import fast_processor, indexes_set_aside, secondary_indexes
from seed.documents import CONVERTED
from seed.sizing import (
    BUYERS_PER_CUSTOMER,
    DemoSize,
    account_weights,
    demo_size,
    extra_buyers,
    split,
)
from seed.tracking import fedex_number, ups_check_digit, ups_number
from tests.conftest import empty_tables


def _quiet(_message: str) -> None:
    pass


def _empty(session: Session) -> None:
    """Empty every table and restart ids, as a fresh database would have them."""
    session.rollback()
    empty_tables(session.get_bind())
    session.expunge_all()


def _fingerprint(session: Session) -> list[Any]:
    orders = session.execute(
        select(
            Order.identifier,
            Customer.name,
            Order.customer_user_id,
            Order.currency,
            Order.po_number,
            Order.internal_status,
            Order.shipping_status,
            Order.payment_status,
            Order.subtotal,
            Order.special_discounts_total,
            Order.shipping_cost,
            Order.tax_total,
            Order.total,
        )
        .join(Customer, Order.customer_id == Customer.id)
        .order_by(Order.id)
    ).all()
    lines = session.execute(
        select(
            OrderLineItem.order_id,
            OrderLineItem.product_sku,
            OrderLineItem.quantity,
            OrderLineItem.unit_price,
            OrderLineItem.shipped_quantity,
        ).order_by(OrderLineItem.id)
    ).all()
    trackings = session.execute(
        select(ShippingTracking.order_id, ShippingTracking.number).order_by(ShippingTracking.id)
    ).all()
    return [tuple(r) for r in orders + lines + trackings]


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_seeding_twice_with_the_same_seed_gives_the_same_orders(session, storage):
    # Given a demo seeded with seed 7, and what its orders look like
    seed_demo(session, storage=storage, orders=30, seed=7, echo=_quiet)
    first = _fingerprint(session)

    # When the database is emptied and seeded again with seed 7
    _empty(session)
    seed_demo(session, storage=storage, orders=30, seed=7, echo=_quiet)

    # Then identifiers, customers, lines, totals, statuses and trackings are identical
    assert len(first) > 60
    assert _fingerprint(session) == first


def test_a_different_seed_gives_different_orders(session, storage):
    # Given a demo seeded with seed 1
    seed_demo(session, storage=storage, orders=10, seed=1, echo=_quiet)
    first = _fingerprint(session)

    # When another database is seeded with seed 2
    _empty(session)
    seed_demo(session, storage=storage, orders=10, seed=2, echo=_quiet)

    # Then the orders differ
    assert _fingerprint(session) != first


def test_the_demo_has_every_status_trackings_and_the_documented_logins(session, storage):
    # Given a small demo
    report = seed_demo(session, storage=storage, orders=40, seed=42, echo=_quiet)

    # Then every internal status is present and the report counts them
    statuses = dict(
        session.execute(select(Order.internal_status, func.count()).group_by(Order.internal_status)).all()
    )
    assert set(statuses) == set(INTERNAL_STATUSES)
    assert f"open {statuses['open']:,}" in report
    # And shipped orders are fully shipped, with UPS or FedEx trackings
    shipped = session.scalars(select(Order).where(Order.internal_status == "shipped")).all()
    for order in shipped:
        assert order.shipping_status == "shipped"
        assert all(li.shipped_quantity == li.quantity for li in order.line_items)
        assert 1 <= len(order.shipping_trackings) <= 2
        assert all(t.method in ("UPS", "FedEx") for t in order.shipping_trackings)
    # And each documented login works with its role
    for login in DEMO_LOGINS:
        user = authenticate(session, login.email, login.password)
        assert user is not None and user.role == login.role
    # And the customers and catalog are there
    assert _count(session, Customer) == 50


# The transitions a created order goes through, by the statuses it ends in (SPEC §2.2).
TRANSITIONS_BY_STATUS = {
    ("open", "not_shipped"): [],
    ("open", "partially_shipped"): ["ship"],
    ("cancelled", "not_shipped"): ["cancel"],
    ("shipped", "shipped"): ["mark_shipped"],
    ("closed", "not_shipped"): ["close"],
    ("closed", "shipped"): ["mark_shipped", "close"],
    ("archived", "not_shipped"): ["close", "archive"],
    ("archived", "shipped"): ["mark_shipped", "close", "archive"],
}


def test_created_orders_reach_their_statuses_through_the_actions_in_time_order(session, storage):
    """The demo's history must read like real orders': each transition recorded, in order."""
    # Given a small demo
    seed_demo(session, storage=storage, orders=60, seed=42, echo=_quiet)

    # Then each order's audit trail names the transitions that lead to its statuses, made
    # by someone allowed to, and its entries never go back in time
    seen = set()
    for order in session.scalars(select(Order).order_by(Order.id)):
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.order_id == order.id).order_by(AuditEntry.id)
        ).all()
        statuses = (order.internal_status, order.shipping_status)
        transitions = [e for e in entries if e.entity_type == "Order" and is_status_action(e.action)]
        assert [e.action for e in transitions] == TRANSITIONS_BY_STATUS[statuses], order.identifier
        for entry in transitions:
            permission = (
                "ship_orders" if entry.action == PARTIAL_SHIPMENT else get_transition(entry.action).permission
            )
            assert has_permission(entry.actor, permission), (order.identifier, entry.action)
        times = [e.occurred_at for e in entries]
        assert times == sorted(times), order.identifier
        seen.add(statuses)
    # And the demo shows every path
    assert seen == set(TRANSITIONS_BY_STATUS)


def test_seeding_if_empty_leaves_a_database_with_users_alone(session, storage):
    # Given a database that already has a user
    create_user(session, "someone@example.com", full_name="Some One", role="admin", password="long-enough-1")
    session.commit()

    # When the demo is seeded with if_empty
    message = seed_demo(session, storage=storage, orders=5, if_empty=True, echo=_quiet)

    # Then nothing is added and the message says so
    assert "nothing seeded" in message
    assert _count(session, User) == 1
    assert _count(session, Order) == 0


def test_bulk_orders_are_numbered_priced_and_totalled_like_created_ones(session, storage):
    # Given a demo just above the create_order share, so 100 orders take the bulk path
    seed_demo(session, storage=storage, orders=ORM_ORDERS + 100, seed=5, echo=_quiet)
    audited = select(AuditEntry.order_id).where(
        AuditEntry.action == "create", AuditEntry.entity_type == "Order"
    )
    bulk = session.scalars(select(Order).where(Order.id.not_in(audited)).order_by(Order.id)).all()

    # Then the bulk orders follow the created ones, numbered from their ids, at version 1
    assert len(bulk) == 100
    # (plus the orders the demo makes from its shopping lists and RFQs)
    assert _count(session, Order) == ORM_ORDERS + 100 + 2 * CONVERTED
    assert bulk[0].id == session.scalar(select(func.max(Order.id)).where(Order.id.in_(audited))) + 1
    for order in bulk:
        assert order.identifier == order_identifier(order.id)
        assert order.version == 1
        assert order.line_items and order.billing_address and order.shipping_address
        assert order.created_at.tzinfo is not None
        # And the stored totals are what the totals function computes from the stored rows
        totals = order_totals(session, order)
        assert (
            order.subtotal,
            order.special_discounts_total,
            order.shipping_cost,
            order.tax_total,
            order.total,
        ) == (totals.subtotal, totals.special_discounts_total, totals.shipping or 0, totals.tax, totals.total)
        assert [d.amount for d in order.special_discounts] == list(totals.special_discounts)
        if order.shipping_status == "shipped":
            assert all(li.shipped_quantity == li.quantity for li in order.line_items)
    # And no bulk order has audit rows
    bulk_ids = [o.id for o in bulk]
    assert (
        session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.order_id.in_(bulk_ids)))
        == 0
    )


@pytest.mark.parametrize("seed_value", range(5))
def test_tracking_numbers_have_the_carriers_formats_and_check_digits(seed_value):
    # Given numbers drawn from a seeded stream
    rng = random.Random(seed_value)
    ups, fedex = ups_number(rng), fedex_number(rng)

    # Then UPS numbers are 1Z + 16 characters and FedEx numbers 12 digits
    assert ups.startswith("1Z") and len(ups) == 18 and ups.isalnum()
    assert int(ups[-1]) == ups_check_digit(ups[2:-1])
    assert len(fedex) == 12 and fedex.isdigit()


def test_the_ups_check_digit_matches_the_published_sample_number():
    # Given UPS's sample number 1Z999AA10123456784, then its last digit is the check digit
    assert ups_check_digit("999AA1012345678") == 4


# ---- the volume demo -----------------------------------------------------------------------


def test_the_reference_data_grows_with_the_orders_and_never_below_the_small_demo():
    # Given order counts from the default demo to a million
    # Then the small demo keeps its 50 customers and 200 products (its own buyers stay 1–3
    # each), and a volume demo has one customer per 50 orders, 3 buyers per customer and one
    # product per 100 orders
    assert demo_size(0) == demo_size(300) == demo_size(2_500) == DemoSize(50, 150, 200)
    assert demo_size(100_000) == DemoSize(2_000, 6_000, 1_000)
    assert demo_size(1_000_000) == DemoSize(20_000, 60_000, 10_000)
    # And it never shrinks as the orders grow
    sizes = [demo_size(n) for n in range(0, 2_000_000, 12_345)]
    assert all(a <= b for earlier, later in pairwise(sizes) for a, b in zip(earlier, later, strict=True))
    with pytest.raises(ValueError):
        demo_size(-1)


def test_the_buyers_of_the_added_customers_make_up_the_wanted_total_within_bounds():
    # Given a million-order demo whose 50 first customers already have 95 buyers
    size = demo_size(1_000_000)

    # Then the 19,950 added customers get the rest of the 60,000, at least one each
    assert extra_buyers(size, 50, 95) == 60_000 - 95
    # And a slightly bigger than small demo does not pile buyers on its few new customers
    assert extra_buyers(demo_size(2_600), 50, 95) == 2 * 2 * BUYERS_PER_CUSTOMER
    assert extra_buyers(demo_size(300), 50, 95) == 0
    # And a split keeps its bounds and total, the bigger weights getting more
    parts = split(1_000, [10.0, 5.0, 1.0, 1.0, 0.1], least=1, most=400)
    assert sum(parts) == 1_000 and min(parts) >= 1 and max(parts) <= 400
    assert parts == sorted(parts, reverse=True)


def test_a_few_key_accounts_get_tens_of_thousands_of_orders_and_most_customers_a_few():
    # Given the account weights of a million-order demo's 20,000 customers
    weights = account_weights(20_000)
    expected = sorted(1_000_000 * w / sum(weights) for w in weights)

    # Then the biggest accounts expect tens of thousands of orders, the median a handful
    assert expected[-1] > 20_000 and expected[-5] > 10_000
    assert 3 <= expected[len(expected) // 2] <= 15
    # And the key accounts are spread over the ids, the same for the same count
    top = max(range(20_000), key=weights.__getitem__)
    assert top != 0 and account_weights(20_000) == weights


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("created_at", datetime(2024, 2, 29, 23, 59, 59, 999_999, tzinfo=UTC)),
        ("created_at", datetime(2024, 1, 1, tzinfo=UTC)),
        ("created_at", datetime(2024, 6, 1, 12, 30, tzinfo=timezone(timedelta(hours=-7)))),
        ("created_at", datetime(2024, 6, 1, 12, 30, 5, 17)),
        ("created_at", None),
        ("ship_until", date(2025, 12, 31)),
        ("ship_until", None),
    ],
)
def test_the_bulk_path_stores_dates_as_sqlalchemy_would_on_sqlite(column, value):
    # Given SQLite's dialect and a UTC datetime or a date column
    dialect = sqlite_dialect()
    column_type = Order.__table__.c[column].type

    # Then the bulk path's quick conversion gives the text SQLAlchemy's own would
    ours = fast_processor(column_type, dialect)
    theirs = column_type.dialect_impl(dialect).bind_processor(dialect)
    assert ours is not None and ours(value) == theirs(value)


def test_setting_the_order_indexes_aside_builds_them_again_even_after_a_failure(session):
    # Given the order tables' indexes, as the database has them
    before = set(secondary_indexes(session, volume.BULK_TABLES))
    assert any(name.startswith("ix_orders_") for name, _create in before)

    # When a bulk load fails with the indexes set aside
    with pytest.raises(RuntimeError), indexes_set_aside(session, volume.BULK_TABLES):
        assert secondary_indexes(session, volume.BULK_TABLES) == []
        raise RuntimeError("the load failed")

    # Then every index is back, as it was
    assert set(secondary_indexes(session, volume.BULK_TABLES)) == before


VOLUME_ORDERS = ORM_ORDERS + 2_600  # past 2,550 orders, the demo adds customers


def _reference_fingerprint(session: Session) -> list[Any]:
    customers = session.execute(select(Customer.id, Customer.name).order_by(Customer.id)).all()
    buyers = session.execute(
        select(
            CustomerUser.customer_id, CustomerUser.email, CustomerUser.first_name, CustomerUser.last_name
        ).order_by(CustomerUser.id)
    ).all()
    products = session.execute(select(Product.sku, Product.name).order_by(Product.id)).all()
    return [tuple(r) for r in customers + buyers + products]


def test_a_volume_demo_is_the_same_however_many_processes_plan_it(session, storage, monkeypatch):
    # Given the volume path in a single process, with the order indexes set aside
    monkeypatch.setattr(volume, "PARALLEL_FROM", 1)
    monkeypatch.setattr(volume, "INDEX_REBUILD_FROM", 1)
    monkeypatch.setattr(volume, "default_workers", lambda: 1)
    seed_demo(session, storage=storage, orders=VOLUME_ORDERS, seed=11, echo=_quiet)
    first = _reference_fingerprint(session) + _fingerprint(session)

    # When the database is emptied and the same demo is seeded by two planning processes
    _empty(session)
    monkeypatch.setattr(volume, "default_workers", lambda: 2)
    seed_demo(session, storage=storage, orders=VOLUME_ORDERS, seed=11, echo=_quiet)

    # Then customers, buyers, products, orders, lines and trackings are identical
    assert len(first) > 10_000
    assert _reference_fingerprint(session) + _fingerprint(session) == first
    # And on SQLite, every row loaded without foreign-key checks has its parents, and the
    # connection checks them again
    if session.get_bind().dialect.name == "sqlite":
        assert session.execute(text("PRAGMA foreign_key_check")).all() == []
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    # And the ids go on from where the bulk path left them (PostgreSQL's sequences too)
    order = create_order(
        session,
        OrderData(
            customer_id=session.scalar(select(CustomerAddress.customer_id).limit(1)),
            currency="USD",
            lines=[LineData(product_id=session.scalar(select(Product.id).limit(1)), quantity="1")],
        ),
        actor=None,
    )
    assert order.id == session.scalar(select(func.max(Order.id)))


def test_a_volume_demo_has_more_customers_every_status_and_currency_and_key_accounts(session, storage):
    # Given a demo just past the small demo's 2,500 orders
    seed_demo(session, storage=storage, orders=VOLUME_ORDERS, seed=3, echo=_quiet)
    size = demo_size(VOLUME_ORDERS)

    # Then customers and their buyers grow with it (the products not yet)
    assert _count(session, Customer) == size.customers > 50
    small = select(func.count()).select_from(CustomerUser).where(CustomerUser.customer_id <= 50)
    first_50 = session.scalar(small)
    assert _count(session, CustomerUser) == first_50 + extra_buyers(size, 50, first_50)
    assert _count(session, Product) == 200
    # And every status and every currency is there
    for column, values in (
        (Order.internal_status, INTERNAL_STATUSES),
        (Order.shipping_status, SHIPPING_STATUSES),
        (Order.payment_status, tuple(PaymentStatus)),
        (Order.currency, CURRENCIES),
    ):
        assert set(session.scalars(select(column).distinct())) == set(values), column
    # And yen amounts are whole
    yen = session.scalars(select(Order.total).where(Order.currency == "JPY")).all()
    assert yen and all(total == total.to_integral_value() for total in yen)
    # And the orders are spread unevenly: the biggest account has several times the median's
    per_customer = sorted(
        session.scalars(select(func.count()).select_from(Order).group_by(Order.customer_id)).all()
    )
    assert per_customer[-1] >= 4 * per_customer[len(per_customer) // 2]
    # And customer names share words, as real ones do, without being the same
    names = session.scalars(select(Customer.name)).all()
    assert len(set(names)) == len(names)
    words = Counter(word for name in names for word in set(name.split()))
    assert sum(1 for count in words.values() if count >= 3) >= 10
    # And buyers have names and an address at their customer's domain
    for email, first, last in session.execute(
        select(CustomerUser.email, CustomerUser.first_name, CustomerUser.last_name)
    ):
        assert first and last and re.fullmatch(r"[a-z0-9.\-]+@[a-z0-9\-]+\.example", email), email
