"""Many orders moved along a status-only transition in one statement (actions/lifecycle.py
move_orders): the same rules and the same history as moving each order alone."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.orm.exc import StaleDataError

from actions.errors import InvalidTransition, PermissionDenied
from actions.job_chunks import run_bulk_chunk
from actions.jobs import start_bulk_job
from actions.lifecycle import apply_transition, move_orders, read_order_rows
from models import AuditEntry, Order
from tests.factories import order_in_status


def _history(session, order: Order) -> list[tuple[Any, ...]]:
    """The order's audit rows as a person reads them (not when)."""
    rows = session.execute(
        select(
            AuditEntry.actor_id,
            AuditEntry.entity_type,
            AuditEntry.entity_id,
            AuditEntry.order_identifier,
            AuditEntry.entity_label,
            AuditEntry.action,
            AuditEntry.changes,
        )
        .where(AuditEntry.order_id == order.id)
        .order_by(AuditEntry.id)
    )
    return [tuple(row) for row in rows]


def test_orders_moved_together_get_the_history_of_an_order_moved_alone(session, catalog, users):
    # Given three closed orders
    alone, *together = [order_in_status(session, catalog, "closed", actor=users["manager"]) for _ in range(3)]
    session.commit()

    # When one is archived alone and the two others together
    apply_transition(session, alone, "archive", actor=users["manager"])
    assert (
        move_orders(
            session, read_order_rows(session, [o.id for o in together]), "archive", actor=users["manager"]
        )
        == []
    )
    session.commit()

    # Then all three are archived, their versions moved on by one, each with the same last
    # audit row but for the order it names
    session.expire_all()
    for order in [alone, *together]:
        assert order.internal_status == "archived"
    assert {o.version for o in together} == {alone.version}
    last_alone = _history(session, alone)[-1]
    assert last_alone[-2:] == ("archive", {"internal_status": ["closed", "archived"]})
    for order in together:
        *_, last = _history(session, order)
        assert last == (
            users["manager"].id,
            "Order",
            order.id,
            order.identifier,
            order.identifier,
            *last_alone[5:],
        )


def test_orders_the_transition_cannot_apply_to_are_returned_with_why_and_left_as_they_are(
    session, catalog, users
):
    closed = order_in_status(session, catalog, "closed", actor=users["manager"])
    still_open = order_in_status(session, catalog, "open", actor=users["manager"])
    session.commit()
    before = _history(session, still_open)

    refused = move_orders(
        session, read_order_rows(session, [closed.id, still_open.id]), "archive", actor=users["manager"]
    )
    session.commit()

    assert [(order.id, error.message) for order, error in refused] == [
        (still_open.id, f"Order {still_open.identifier} cannot be archived because it is open")
    ]
    session.expire_all()
    assert (closed.internal_status, still_open.internal_status) == ("archived", "open")
    assert _history(session, still_open) == before


def test_a_user_without_the_permission_moves_nothing(session, catalog, users):
    closed = order_in_status(session, catalog, "closed", actor=users["manager"])
    session.commit()

    with pytest.raises(PermissionDenied):
        move_orders(session, read_order_rows(session, [closed.id]), "archive", actor=users["viewer"])

    session.rollback()
    assert session.get(Order, closed.id).internal_status == "closed"


def test_a_transition_with_a_side_effect_is_not_moved_in_one_statement(session, catalog, users):
    # Cancel releases coupon uses: each order has to go through its own move.
    order = order_in_status(session, catalog, "open", actor=users["manager"])
    session.commit()

    with pytest.raises(InvalidTransition, match="changes more than the status"):
        move_orders(session, read_order_rows(session, [order.id]), "cancel", actor=users["manager"])


def test_an_order_changed_since_it_was_read_stops_the_move(session, catalog, users):
    # Given two closed orders read by the mover
    first, second = [order_in_status(session, catalog, "closed", actor=users["manager"]) for _ in range(2)]
    session.commit()
    read = read_order_rows(session, [first.id, second.id])
    # And the second changed by someone else meanwhile (its version moved on)
    with session.get_bind().begin() as other:
        other.execute(
            update(Order.__table__)
            .where(Order.__table__.c.id == second.id)
            .values(version=Order.__table__.c.version + 1)
        )

    # When both are moved, then the move fails as a stale flush would, for the caller to
    # roll back and read the orders again
    with pytest.raises(StaleDataError, match="1 of 2 orders changed"):
        move_orders(session, read, "archive", actor=users["manager"])
    session.rollback()
    assert session.get(Order, first.id).internal_status == "closed"


def test_a_chunk_of_an_archive_job_costs_the_same_statements_for_two_orders_or_twenty(
    session, catalog, users
):
    def statements_for(count: int) -> int:
        ids = [order_in_status(session, catalog, "closed", actor=users["manager"]).id for _ in range(count)]
        job = start_bulk_job(session, "archive", ids, actor=users["manager"])
        session.commit()
        seen: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            seen.append(statement)

        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", record)
        try:
            result = run_bulk_chunk(session, job)
            session.commit()
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert (result.done, result.skipped) == (count, 0)
        return len(seen)

    assert statements_for(2) == statements_for(20)


def test_an_order_the_session_holds_reads_its_new_status_and_can_still_be_saved(session, catalog, users):
    # Given a closed order held by the session, as a page that shows it holds it
    order = order_in_status(session, catalog, "closed", actor=users["manager"])
    session.commit()
    version = order.version

    # When it is archived in bulk through the same session
    assert move_orders(session, read_order_rows(session, [order.id]), "archive", actor=users["manager"]) == []

    # Then the held order shows the new status and version, and a later change to it saves
    # (its version guard is the one in the database, not the one read before)
    assert (order.internal_status, order.version) == ("archived", version + 1)
    order.customer_notes = "Kept for the auditors."
    session.commit()
    session.expire_all()
    assert order.customer_notes == "Kept for the auditors."
