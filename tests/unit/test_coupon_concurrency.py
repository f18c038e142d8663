"""Coupon usage limits hold under concurrency (SPEC §7, DESIGN §3): N simultaneous attempts
on a coupon with k uses left grant exactly k. Threads, each with its own Session on the same
engine (a SQLite file in WAL mode with a busy timeout, or PostgreSQL with TEST_DATABASE_URL),
all released at once by a barrier."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from actions.audit import install_audit_listeners
from actions.coupons import check_new_coupon
from actions.discounts import apply_coupon
from actions.errors import CouponNotApplicable
from models import (
    AppliedPromotion,
    Coupon,
    CouponCustomerUserUse,
    Customer,
    CustomerUser,
    Order,
    Promotion,
)
from models.dialect import insert_ignoring_duplicates
from tests import factories

ATTEMPTS = 12  # within the engine's default pool (5 + 10 overflow)
USES_LEFT = 5
NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)


@dataclass
class Outcome:
    granted: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def prepare_race(
    engine: Engine, *, per_coupon: int | None, per_user: int | None, used: int, same_buyer: bool
) -> tuple[list[int], int]:
    """A coupon with `used` uses taken, and ATTEMPTS open orders (one buyer, or one each)."""
    install_audit_listeners(Session)
    with Session(engine) as session:
        catalog = factories.make_catalog(session)
        promotion = Promotion(
            name="Flash sale", kind="order_percent", value=Decimal("10"), active=True, requires_coupon=True
        )
        coupon = Coupon(
            code="FLASH",
            promotion=promotion,
            enabled=True,
            uses=used,
            uses_per_coupon=per_coupon,
            uses_per_customer_user=per_user,
        )
        session.add(promotion)
        check_new_coupon(session, coupon)
        session.add(coupon)
        order_ids = []
        for i in range(ATTEMPTS):
            buyer = catalog["buyer"]
            if not same_buyer:
                buyer = CustomerUser(
                    customer=catalog["customer"], email=f"b{i}@acme.example", first_name="B", last_name=str(i)
                )
                session.add(buyer)
                session.flush()
            order_ids.append(factories.make_order(session, catalog, customer_user_id=buyer.id).id)
        session.commit()
        return order_ids, coupon.id


def _attempt(engine: Engine, order_id: int, barrier: threading.Barrier, outcome: Outcome) -> None:
    with Session(engine) as session:
        order = session.get(Order, order_id)
        assert order is not None
        _lines = list(order.line_items), list(order.applied_promotions)
        barrier.wait(timeout=30)
        try:
            apply_coupon(session, order, "flash", actor=None, now=NOW)
            session.commit()
        except CouponNotApplicable as exc:
            session.rollback()
            with outcome.lock:
                outcome.refused.append(exc.reason)
        except Exception as exc:  # noqa: BLE001 - any other failure fails the test below
            session.rollback()
            with outcome.lock:
                outcome.errors.append(f"{type(exc).__name__}: {exc}")
        else:
            with outcome.lock:
                outcome.granted.append(order_id)


def _race(engine: Engine, order_ids: list[int]) -> Outcome:
    outcome = Outcome()
    barrier = threading.Barrier(len(order_ids))
    threads = [threading.Thread(target=_attempt, args=(engine, oid, barrier, outcome)) for oid in order_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcome


def _report(record: Any, name: str, engine: Engine, outcome: Outcome, limit: int) -> None:
    figures = (
        f"{name} on {engine.dialect.name}: attempts={ATTEMPTS} uses_left={USES_LEFT} "
        f"granted={len(outcome.granted)} limit={limit} refused={len(outcome.refused)}"
    )
    print(figures)
    record(name, figures)


def test_n_simultaneous_attempts_on_a_coupon_with_k_uses_left_grant_exactly_k(clean_db, record_property):
    # Given a coupon limited to 7 uses with 2 taken (5 left), and 12 orders of 12 buyers
    limit = USES_LEFT + 2
    order_ids, coupon_id = prepare_race(clean_db, per_coupon=limit, per_user=1, used=2, same_buyer=False)

    # When all 12 try to apply it at the same moment
    outcome = _race(clean_db, order_ids)
    _report(record_property, "per-coupon limit", clean_db, outcome, limit)

    # Then exactly 5 are granted, the others refused by the usage limit, none failed
    assert outcome.errors == []
    assert len(outcome.granted) == USES_LEFT
    assert outcome.refused == ["coupon_limit"] * (ATTEMPTS - USES_LEFT)
    with Session(clean_db) as session:
        assert session.get(Coupon, coupon_id).uses == limit
        holders = session.scalars(select(AppliedPromotion.order_id)).all()
        assert sorted(holders) == sorted(outcome.granted)


def test_n_simultaneous_attempts_by_one_buyer_grant_exactly_the_per_buyer_limit(clean_db, record_property):
    # Given an unlimited coupon allowing 5 orders per customer user, and 12 orders of one buyer
    order_ids, coupon_id = prepare_race(
        clean_db, per_coupon=None, per_user=USES_LEFT, used=0, same_buyer=True
    )

    # When all 12 try to apply it at the same moment
    outcome = _race(clean_db, order_ids)
    _report(record_property, "per-customer-user limit", clean_db, outcome, USES_LEFT)

    # Then exactly 5 are granted, and both counters say 5
    assert outcome.errors == []
    assert len(outcome.granted) == USES_LEFT
    assert outcome.refused == ["customer_user_limit"] * (ATTEMPTS - USES_LEFT)
    with Session(clean_db) as session:
        assert session.get(Coupon, coupon_id).uses == USES_LEFT
        assert session.scalars(select(CouponCustomerUserUse.uses)).all() == [USES_LEFT]


def test_a_stale_read_of_the_counter_cannot_grant_a_use_past_the_limit(clean_db):
    # Given a one-use coupon that session A has read while it was still unused
    order_ids, coupon_id = prepare_race(clean_db, per_coupon=1, per_user=None, used=0, same_buyer=False)
    with Session(clean_db) as a:
        order_a = a.get(Order, order_ids[0])
        coupon_a = a.get(Coupon, coupon_id)
        assert coupon_a.uses == 0

        # When another session takes the last use and commits
        with Session(clean_db) as b:
            apply_coupon(b, b.get(Order, order_ids[1]), "FLASH", actor=None, now=NOW)
            b.commit()

        # Then A, whose checks still see 0 uses, is refused by the conditional UPDATE
        assert coupon_a.uses == 0  # the stale count A's checks read
        with pytest.raises(CouponNotApplicable) as caught:
            apply_coupon(a, order_a, "FLASH", actor=None, now=NOW)
        assert caught.value.reason == "coupon_limit"
        a.rollback()
        assert a.get(Coupon, coupon_id).uses == 1


def test_the_insert_or_ignore_helper_keeps_the_first_row_of_a_key(clean_db):
    # Given a customer user's counter row for a coupon
    with Session(clean_db) as session:
        customer = Customer(name="C")
        buyer = CustomerUser(customer=customer, email="x@c.example", first_name="X", last_name="Y")
        promotion = Promotion(
            name="P", kind="order_percent", value=Decimal("5"), active=True, requires_coupon=True
        )
        coupon = Coupon(code="K", code_key="k", promotion=promotion, enabled=True, uses=0)
        session.add_all([customer, buyer, promotion, coupon])
        session.flush()
        table = CouponCustomerUserUse.__table__
        values = {"coupon_id": coupon.id, "customer_user_id": buyer.id, "uses": 3}

        # When it is inserted twice through the helper
        for uses in (3, 9):
            session.execute(
                insert_ignoring_duplicates(
                    table, {**values, "uses": uses}, ("coupon_id", "customer_user_id"), clean_db.dialect.name
                )
            )

        # Then one row remains, the first
        assert session.scalars(select(CouponCustomerUserUse.uses)).all() == [3]
        session.rollback()


def test_the_insert_or_ignore_helper_refuses_an_unknown_database():
    with pytest.raises(NotImplementedError):
        insert_ignoring_duplicates(CouponCustomerUserUse.__table__, {}, ("coupon_id",), "mysql")
