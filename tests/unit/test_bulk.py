"""Bulk operations on a grid selection (SPEC §3): each order on its own, one report for all."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from actions.bulk import MAX_SELECTION, BulkReport, apply_to_orders, parse_ids, run_bulk
from actions.errors import DomainError, OrderNotEditable, PermissionDenied
from models import AuditEntry, Order
from tests.factories import make_order


@pytest.fixture
def orders(session, catalog, users):
    made = [make_order(session, catalog, actor=users["sales"]) for _ in range(3)]
    session.commit()
    return made


def _order_ids(session) -> set[int]:
    return set(session.scalars(select(Order.id)))


def test_deleting_a_mix_of_existing_and_missing_ids_reports_each(session, orders, users):
    # Given three orders; when two of them and an unknown id are deleted
    first, second, kept = orders
    report = run_bulk(session, "delete", [str(first.id), "999", str(second.id)], actor=users["manager"])
    session.commit()

    # Then the two are gone, the third stays, and the summary names the skipped id
    assert _order_ids(session) == {kept.id}
    assert report.done == [first.identifier, second.identifier]
    assert report.summary("deleted") == ("2 orders deleted; 1 skipped: Order id 999 does not exist")


def test_the_summary_uses_the_singular_for_one_order(session, orders, users):
    report = run_bulk(session, "delete", [str(orders[0].id)], actor=users["manager"])
    assert report.summary("deleted") == "1 order deleted"


def test_the_summary_lists_every_reason_for_skipping():
    # Given a report with one success and two refusals
    report = BulkReport(
        done=["SO-000001"],
        skipped=[
            ("SO-000002", "Order SO-000002 cannot be cancelled because it is closed"),
            ("7", "Order id 7 does not exist"),
        ],
    )
    # Then the summary names both, in order
    assert report.summary("cancelled") == (
        "1 order cancelled; 2 skipped: Order SO-000002 cannot be cancelled because it is "
        "closed; Order id 7 does not exist"
    )


def test_deleted_orders_keep_their_snapshots_in_the_audit(session, orders, users):
    first, second, _kept = orders
    run_bulk(session, "delete", [str(first.id), str(second.id)], actor=users["admin"])
    session.commit()

    deletes = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "Order", AuditEntry.action == "delete")
    ).all()
    assert sorted(e.changes["identifier"] for e in deletes) == sorted([first.identifier, second.identifier])
    assert all(e.actor_id == users["admin"].id for e in deletes)


@pytest.mark.parametrize("bad", ["abc", "1.5", "-1", "", "1 OR 1=1"])
def test_an_id_that_is_not_a_number_refuses_the_whole_batch(session, orders, users, bad):
    # Given a selection with one valid id and one that is not a number
    ids = [str(orders[0].id), bad]

    # When it is deleted; then nothing is deleted and the message names the bad value
    with pytest.raises(DomainError) as refused:
        run_bulk(session, "delete", ids, actor=users["manager"])
    assert "is not an order id; nothing was changed." in refused.value.message
    session.rollback()
    assert _order_ids(session) == {o.id for o in orders}


@pytest.mark.parametrize("bad", ["²", "1²"], ids=["superscript-two", "digit-superscript"])
def test_a_unicode_digit_that_is_not_a_number_is_refused_cleanly(session, orders, users, bad):
    # Given a posted id made of characters str.isdigit() accepts but int() does not
    # When it is deleted; then it is a clear refusal, not a crash
    with pytest.raises(DomainError):
        run_bulk(session, "delete", [str(orders[0].id), bad], actor=users["manager"])
    session.rollback()
    assert _order_ids(session) == {o.id for o in orders}


def test_an_id_too_large_for_the_database_is_reported_not_a_crash(session, orders, users):
    # Given an id far beyond any integer column's range
    huge = "9" * 30

    # When it is deleted with a real order; then it is refused or reported, never a crash
    try:
        report = run_bulk(session, "delete", [huge, str(orders[0].id)], actor=users["manager"])
    except DomainError:
        session.rollback()
        assert _order_ids(session) == {o.id for o in orders}
        return
    assert report.done == [orders[0].identifier]
    assert len(report.skipped) == 1


def test_more_ids_than_the_selection_limit_are_refused_whole(session, orders, users):
    # Given a selection one over the limit, starting with real orders
    ids = [str(o.id) for o in orders] + [
        str(n) for n in range(10_000, 10_000 + MAX_SELECTION - len(orders) + 1)
    ]
    assert len(ids) == MAX_SELECTION + 1

    # When it is deleted; then it is refused and nothing is deleted
    with pytest.raises(DomainError) as refused:
        run_bulk(session, "delete", ids, actor=users["manager"])
    assert refused.value.message == (
        f"At most {MAX_SELECTION:,} orders can be changed at once; nothing was changed."
    )
    session.rollback()
    assert _order_ids(session) == {o.id for o in orders}


def test_a_selection_at_the_limit_is_accepted(session, orders, users):
    ids = [str(o.id) for o in orders] + [str(n) for n in range(10_000, 10_000 + MAX_SELECTION - len(orders))]
    report = run_bulk(session, "delete", ids, actor=users["manager"])
    assert len(report.done) == 3
    assert len(report.skipped) == MAX_SELECTION - 3


@pytest.mark.parametrize("role", ["sales", "viewer"])
def test_an_actor_without_delete_orders_is_refused_for_the_whole_batch(session, orders, users, role):
    # When a user without delete_orders deletes the selection
    with pytest.raises(PermissionDenied):
        run_bulk(session, "delete", [str(o.id) for o in orders], actor=users[role])

    # Then nothing is deleted and nothing is audited as deleted
    session.rollback()
    assert _order_ids(session) == {o.id for o in orders}
    assert (
        session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "delete")) == 0
    )


def test_the_permission_is_checked_before_the_ids(session, users):
    # Given a viewer posting garbage: the refusal is about permission, not the ids
    with pytest.raises(PermissionDenied):
        run_bulk(session, "delete", ["abc"], actor=users["viewer"])


def test_duplicate_ids_are_handled_once(session, orders, users):
    # Given the same order selected three times
    target = orders[0]
    ids = [str(target.id), f" {target.id} ", str(target.id)]

    # When deleted; then it is deleted once, with no "does not exist" for the repeats
    report = run_bulk(session, "delete", ids, actor=users["manager"])
    session.commit()
    assert report.done == [target.identifier]
    assert report.skipped == []
    assert report.summary("deleted") == "1 order deleted"
    assert target.id not in _order_ids(session)


def test_parse_ids_keeps_the_selection_order_and_drops_repeats():
    assert parse_ids(["3", "1", "3", " 2 "]) == [3, 1, 2]


def test_a_refused_order_is_skipped_and_the_others_go_on(session, orders, users):
    # Given an operation that refuses the second order (naming it) and the third (not)
    second, third = orders[1].identifier, orders[2].identifier

    def operation(order: Order) -> None:
        if order.identifier == second:
            raise OrderNotEditable(f"Order {second} cannot be cancelled because it is closed")
        if order.identifier == third:
            raise OrderNotEditable("The order is locked")
        order.po_number = "BULK"

    # When it is applied to all three
    report = apply_to_orders(
        session, [str(o.id) for o in orders], operation, permission="edit_orders", actor=users["sales"]
    )

    # Then one is done, and each refusal is reported once with its order number (SPEC §3)
    assert report.done == [orders[0].identifier]
    assert report.skipped == [
        (second, f"Order {second} cannot be cancelled because it is closed"),
        (third, f"Order {third}: The order is locked"),
    ]
    assert report.summary("cancelled") == (
        f"1 order cancelled; 2 skipped: Order {second} cannot be cancelled because it is "
        f"closed; Order {third}: The order is locked"
    )
    assert orders[0].po_number == "BULK"
    assert orders[1].po_number == "PO-1001"
