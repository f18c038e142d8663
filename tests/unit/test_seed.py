"""The demo seed (SPEC §9): deterministic per seed, every status present, a used database
left alone, and bulk-inserted orders as consistent as those made through create_order."""

from __future__ import annotations

import random
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from actions.history import is_status_action
from actions.lifecycle import get_transition
from actions.permissions import has_permission
from actions.pricing import order_totals
from actions.shipping import PARTIAL_SHIPMENT
from actions.users import authenticate, create_user
from models import (
    AuditEntry,
    Base,
    Customer,
    Order,
    OrderLineItem,
    ShippingTracking,
    User,
    order_identifier,
)
from models.orders import INTERNAL_STATUSES
from seed import DEMO_LOGINS, ORM_ORDERS, seed_demo
from seed.documents import CONVERTED
from seed.tracking import fedex_number, ups_check_digit, ups_number


def _quiet(_message: str) -> None:
    pass


def _empty(session: Session) -> None:
    """Empty every table and restart ids, as a fresh database would have them."""
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
    session.commit()
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


def test_seeding_twice_with_the_same_seed_gives_the_same_orders(session, tmp_path):
    # Given a demo seeded with seed 7, and what its orders look like
    seed_demo(session, upload_dir=tmp_path, orders=30, seed=7, echo=_quiet)
    first = _fingerprint(session)

    # When the database is emptied and seeded again with seed 7
    _empty(session)
    seed_demo(session, upload_dir=tmp_path, orders=30, seed=7, echo=_quiet)

    # Then identifiers, customers, lines, totals, statuses and trackings are identical
    assert len(first) > 60
    assert _fingerprint(session) == first


def test_a_different_seed_gives_different_orders(session, tmp_path):
    # Given a demo seeded with seed 1
    seed_demo(session, upload_dir=tmp_path, orders=10, seed=1, echo=_quiet)
    first = _fingerprint(session)

    # When another database is seeded with seed 2
    _empty(session)
    seed_demo(session, upload_dir=tmp_path, orders=10, seed=2, echo=_quiet)

    # Then the orders differ
    assert _fingerprint(session) != first


def test_the_demo_has_every_status_trackings_and_the_documented_logins(session, tmp_path):
    # Given a small demo
    report = seed_demo(session, upload_dir=tmp_path, orders=40, seed=42, echo=_quiet)

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


def test_created_orders_reach_their_statuses_through_the_actions_in_time_order(session, tmp_path):
    """The demo's history must read like real orders': each transition recorded, in order."""
    # Given a small demo
    seed_demo(session, upload_dir=tmp_path, orders=60, seed=42, echo=_quiet)

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


def test_seeding_if_empty_leaves_a_database_with_users_alone(session, tmp_path):
    # Given a database that already has a user
    create_user(session, "someone@example.com", full_name="Some One", role="admin", password="long-enough-1")
    session.commit()

    # When the demo is seeded with if_empty
    message = seed_demo(session, upload_dir=tmp_path, orders=5, if_empty=True, echo=_quiet)

    # Then nothing is added and the message says so
    assert "nothing seeded" in message
    assert _count(session, User) == 1
    assert _count(session, Order) == 0


def test_bulk_orders_are_numbered_priced_and_totalled_like_created_ones(session, tmp_path):
    # Given a demo just above the create_order share, so 100 orders take the bulk path
    seed_demo(session, upload_dir=tmp_path, orders=ORM_ORDERS + 100, seed=5, echo=_quiet)
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
