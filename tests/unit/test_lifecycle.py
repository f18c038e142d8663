"""The order state machine (SPEC §2.2, DESIGN §3): the table, its permissions and its audit.

The expected table is written out here from the SPEC, not read from actions.lifecycle, so a
wrong row in the product's table makes these tests fail.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from actions.errors import InvalidTransition, PermissionDenied
from actions.lifecycle import (
    TRANSITIONS,
    allowed_transitions,
    apply_transition,
    can_apply,
    cancel_overdue,
    check_transition,
    overdue_orders,
)
from models import AuditEntry, Order
from tests.factories import make_order, order_in_status

STATUSES = ("open", "cancelled", "shipped", "closed", "archived")
# SPEC §2.2: name → (sources, target, permission, the verb of the refusal message)
TABLE = {
    "cancel": ({"open"}, "cancelled", "cancel_orders", "cancelled"),
    "mark_shipped": ({"open"}, "shipped", "ship_orders", "marked as shipped"),
    "close": ({"open", "cancelled", "shipped"}, "closed", "close_orders", "closed"),
    "archive": ({"closed"}, "archived", "archive_orders", "archived"),
}
# SPEC §8: which role may apply which transition.
ROLE_MAY = {
    "admin": {"cancel", "mark_shipped", "close", "archive"},
    "manager": {"cancel", "mark_shipped", "close", "archive"},
    "sales": {"mark_shipped"},
    "viewer": set(),
}
PAIRS = [(status, name) for status in STATUSES for name in TABLE]


def order_in(session, catalog, status: str) -> Order:
    """A committed order taken to a status through the lifecycle actions."""
    order = order_in_status(session, catalog, status)
    session.commit()
    return order


def state_of(session, order: Order) -> tuple:
    """Everything a transition may touch, read back from the database."""
    session.expire_all()
    fresh = session.get(Order, order.id)
    audit_rows = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.order_id == order.id)
    )
    return (
        fresh.internal_status,
        fresh.shipping_status,
        fresh.version,
        tuple(li.shipped_quantity for li in fresh.line_items),
        audit_rows,
    )


def order_entries(session, order: Order) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == "Order", AuditEntry.entity_id == order.id)
            .order_by(AuditEntry.id)
        )
    )


# ---- the table itself ----


def test_the_product_table_has_exactly_the_four_transitions_of_the_spec():
    # Then the table's rows are the SPEC's rows, with their sources, targets and permissions
    assert {name: (set(t.sources), t.target, t.permission) for name, t in TRANSITIONS.items()} == {
        name: (sources, target, perm) for name, (sources, target, perm, _v) in TABLE.items()
    }


@pytest.mark.parametrize(("status", "name"), PAIRS, ids=[f"{s}-{n}" for s, n in PAIRS])
def test_every_status_and_transition_pair_either_reaches_the_target_or_is_refused(
    session, catalog, status, name
):
    # Given an order in the status
    order = order_in(session, catalog, status)
    sources, target, _permission, verb = TABLE[name]
    before = state_of(session, order)
    order = session.get(Order, order.id)

    if status in sources:
        # When the transition is applied, then the order reaches the table's target
        apply_transition(session, order, name, actor=None)
        session.commit()
        assert state_of(session, order)[0] == target
    else:
        # When the transition is applied, then it is refused naming the order and its status
        with pytest.raises(InvalidTransition) as refused:
            apply_transition(session, order, name, actor=None)
        assert refused.value.message == (f"Order {order.identifier} cannot be {verb} because it is {status}")
        # and nothing changed, neither in the session nor in the database
        assert not session.dirty and not session.new
        session.commit()
        assert state_of(session, order) == before


@pytest.mark.parametrize(("status", "name"), PAIRS, ids=[f"{s}-{n}" for s, n in PAIRS])
def test_can_apply_agrees_with_the_table(session, catalog, status, name):
    order = order_in(session, catalog, status)
    assert can_apply(order, name) is (status in TABLE[name][0])


@pytest.mark.parametrize("status", STATUSES)
def test_allowed_transitions_lists_exactly_the_table_rows_leaving_the_status(session, catalog, status):
    # Given an order in the status
    order = order_in(session, catalog, status)

    # When the allowed transitions are asked for without a user
    names = {t.name for t in allowed_transitions(order)}

    # Then they are the table's rows whose sources hold the status
    assert names == {name for name, row in TABLE.items() if status in row[0]}


@pytest.mark.parametrize("role", ["admin", "manager", "sales", "viewer"])
@pytest.mark.parametrize("status", STATUSES)
def test_allowed_transitions_for_a_user_also_respect_the_role(session, catalog, users, role, status):
    order = order_in(session, catalog, status)
    names = {t.name for t in allowed_transitions(order, users[role])}
    assert names == {name for name, row in TABLE.items() if status in row[0] and name in ROLE_MAY[role]}


def test_allowed_transitions_keep_the_table_order_for_the_buttons(session, catalog):
    order = order_in(session, catalog, "open")
    assert [t.name for t in allowed_transitions(order)] == ["cancel", "mark_shipped", "close"]


# ---- mark as shipped ----


def test_marking_an_open_order_as_shipped_ships_every_remaining_quantity(session, catalog):
    # Given an open order with one of its two widgets shipped already
    order = order_in(session, catalog, "partially_shipped")
    assert [li.shipped_quantity for li in order.line_items] == [Decimal("1"), Decimal("0")]

    # When it is marked as shipped
    apply_transition(session, order, "mark_shipped", actor=None)
    session.commit()

    # Then every line is fully shipped and the shipping status says so
    session.expire_all()
    order = session.get(Order, order.id)
    assert order.internal_status == "shipped"
    assert order.shipping_status == "shipped"
    assert [li.shipped_quantity for li in order.line_items] == [li.quantity for li in order.line_items]
    assert [li.shipped_quantity for li in order.line_items] == [Decimal("2"), Decimal("1")]


@pytest.mark.parametrize("status", ["open", "cancelled"])
def test_closing_does_not_touch_the_shipping_status_or_quantities(session, catalog, status):
    order = order_in(session, catalog, status)
    apply_transition(session, order, "close", actor=None)
    session.commit()
    session.expire_all()
    order = session.get(Order, order.id)
    assert (order.internal_status, order.shipping_status) == ("closed", "not_shipped")
    assert all(li.shipped_quantity == 0 for li in order.line_items)


# ---- permissions ----

ROLE_CASES = [(role, name) for role in ROLE_MAY for name in TABLE]


@pytest.mark.parametrize(("role", "name"), ROLE_CASES, ids=[f"{r}-{n}" for r, n in ROLE_CASES])
def test_each_role_may_apply_exactly_the_transitions_its_permissions_grant(
    session, catalog, users, role, name
):
    # Given an order in a status the transition leaves from
    source = sorted(TABLE[name][0])[0]
    order = order_in(session, catalog, source)
    before = state_of(session, order)
    order = session.get(Order, order.id)

    if name in ROLE_MAY[role]:
        # When the role applies it, then the order moves
        apply_transition(session, order, name, actor=users[role])
        session.commit()
        assert state_of(session, order)[0] == TABLE[name][1]
    else:
        # When the role applies it, then it is refused and nothing changes
        with pytest.raises(PermissionDenied):
            apply_transition(session, order, name, actor=users[role])
        assert not session.dirty
        session.commit()
        assert state_of(session, order) == before


def test_sales_can_mark_shipped_but_not_cancel_close_or_archive(session, catalog, users):
    order = order_in(session, catalog, "open")
    for name in ("cancel", "close"):
        with pytest.raises(PermissionDenied):
            check_transition(order, name, actor=users["sales"])
    closed = order_in(session, catalog, "closed")
    with pytest.raises(PermissionDenied):
        check_transition(closed, "archive", actor=users["sales"])
    assert check_transition(order, "mark_shipped", actor=users["sales"]).name == "mark_shipped"


def test_an_inactive_manager_may_apply_nothing(session, catalog, users):
    users["manager"].active = False
    session.commit()
    order = order_in(session, catalog, "open")
    with pytest.raises(PermissionDenied):
        apply_transition(session, order, "cancel", actor=users["manager"])
    assert allowed_transitions(order, users["manager"]) == []


# ---- unknown names ----


@pytest.mark.parametrize("name", ["refund", "", "Cancel", "CANCEL", " cancel", "delete", "x" * 500])
def test_an_unknown_transition_name_is_refused_and_changes_nothing(session, catalog, name):
    # Given an open order
    order = order_in(session, catalog, "open")
    before = state_of(session, order)
    order = session.get(Order, order.id)

    # When a name that is not in the table is applied
    with pytest.raises(InvalidTransition) as refused:
        apply_transition(session, order, name, actor=None)

    # Then the refusal says so briefly, and nothing changed
    assert "is not an order action" in refused.value.message
    assert len(refused.value.message) < 100
    assert can_apply(order, name) is False
    session.commit()
    assert state_of(session, order) == before


def test_an_unknown_transition_name_is_refused_even_for_a_viewer_before_permissions(session, catalog, users):
    order = order_in(session, catalog, "open")
    with pytest.raises(InvalidTransition):
        apply_transition(session, order, "explode", actor=users["viewer"])


# ---- audit ----


@pytest.mark.parametrize(("status", "name"), [(s, n) for s, n in PAIRS if s in TABLE[n][0]])
def test_a_transition_writes_one_audit_row_named_after_it_with_old_and_new_status_and_actor(
    session, catalog, users, status, name
):
    # Given an order in a source status of the transition
    order = order_in(session, catalog, status)
    entries_before = len(order_entries(session, order))

    # When the manager applies the transition
    apply_transition(session, order, name, actor=users["manager"])
    session.commit()

    # Then exactly one new order entry records it, named after the transition
    new = order_entries(session, order)[entries_before:]
    assert len(new) == 1
    entry = new[0]
    assert entry.action == name
    assert entry.changes["internal_status"] == [status, TABLE[name][1]]
    assert entry.actor_id == users["manager"].id
    assert entry.order_id == order.id


def test_marking_shipped_records_the_shipping_status_change_in_the_same_entry(session, catalog, users):
    order = order_in(session, catalog, "open")
    apply_transition(session, order, "mark_shipped", actor=users["sales"])
    session.commit()
    entry = order_entries(session, order)[-1]
    assert entry.action == "mark_shipped"
    assert entry.changes["internal_status"] == ["open", "shipped"]
    assert entry.changes["shipping_status"] == ["not_shipped", "shipped"]
    assert entry.actor_id == users["sales"].id


def test_a_refused_transition_writes_no_audit_row(session, catalog, users):
    order = order_in(session, catalog, "closed")
    entries_before = len(order_entries(session, order))
    with pytest.raises(InvalidTransition):
        apply_transition(session, order, "cancel", actor=users["manager"])
    session.commit()
    assert len(order_entries(session, order)) == entries_before


def test_the_label_of_a_transition_does_not_leak_onto_the_next_plain_edit(session, catalog):
    # Given an order that was cancelled
    order = order_in(session, catalog, "open")
    apply_transition(session, order, "cancel", actor=None)
    session.commit()

    # When a field is later changed directly
    order.customer_notes = "called the customer"
    session.commit()

    # Then that change is an ordinary update
    assert [e.action for e in order_entries(session, order)][-2:] == ["cancel", "update"]


# ---- automatic cancellation ----

TODAY = date(2031, 6, 15)


def test_cancel_overdue_cancels_open_orders_past_their_ship_until_date_only(session, catalog):
    # Given open orders due yesterday, today, tomorrow and with no date, and overdue orders in
    # other statuses
    yesterday = make_order(session, catalog, ship_until=TODAY - timedelta(days=1))
    long_ago = make_order(session, catalog, ship_until=TODAY - timedelta(days=400))
    due_today = make_order(session, catalog, ship_until=TODAY)
    tomorrow = make_order(session, catalog, ship_until=TODAY + timedelta(days=1))
    undated = make_order(session, catalog, ship_until=None)
    others = {
        status: order_in_status(session, catalog, status, ship_until=TODAY - timedelta(days=1))
        for status in ("cancelled", "shipped", "closed", "archived")
    }
    session.commit()

    # When the overdue orders are cancelled
    numbers = cancel_overdue(session, TODAY)
    session.commit()

    # Then exactly the two overdue open orders were cancelled and reported
    assert numbers == [yesterday.identifier, long_ago.identifier]
    session.expire_all()
    status = {o.id: o.internal_status for o in session.scalars(select(Order))}
    assert status[yesterday.id] == status[long_ago.id] == "cancelled"
    assert status[due_today.id] == status[tomorrow.id] == status[undated.id] == "open"
    assert {s: status[o.id] for s, o in others.items()} == {s: s for s in others}


def test_cancel_overdue_writes_cancel_entries_attributed_to_the_system(session, catalog, users):
    # Given an overdue order, in a session last used by a manager
    order = make_order(session, catalog, actor=users["manager"], ship_until=TODAY - timedelta(days=1))
    session.commit()

    # When the job runs
    cancel_overdue(session, TODAY)
    session.commit()

    # Then the cancellation is recorded as done by nobody (the system)
    entry = order_entries(session, order)[-1]
    assert entry.action == "cancel"
    assert entry.changes["internal_status"] == ["open", "cancelled"]
    assert entry.actor_id is None


def test_cancel_overdue_run_twice_cancels_nothing_the_second_time(session, catalog):
    make_order(session, catalog, ship_until=TODAY - timedelta(days=2))
    session.commit()
    assert len(cancel_overdue(session, TODAY)) == 1
    session.commit()
    assert cancel_overdue(session, TODAY) == []
    assert overdue_orders(session, TODAY) == []
