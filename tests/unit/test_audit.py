"""The audit trail (SPEC §1 AuditEntry): every order change is recorded in the same transaction."""

from __future__ import annotations

from sqlalchemy import func, select

from actions.audit import set_actor
from models import AuditEntry, Order
from tests.factories import make_order, make_users


def _entries(session, **where):
    query = select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
    return session.scalars(query).all()


def test_creating_an_order_writes_a_create_entry_with_a_snapshot(session, catalog):
    # When an order is created
    order = make_order(session, catalog)
    session.commit()

    # Then its first entry is a create entry holding its fields, and its lines are recorded too
    entry = _entries(session, entity_type="Order", entity_id=order.id)[0]
    assert entry.action == "create"
    assert entry.order_id == order.id
    assert entry.changes["po_number"] == "PO-1001"
    assert entry.changes["total"] == "60.05"
    line_entries = _entries(session, entity_type="OrderLineItem", order_id=order.id)
    assert [e.action for e in line_entries] == ["create", "create"]


def _updates_after_creation(session, order_id):
    entries = _entries(session, entity_type="Order", entity_id=order_id, action="update")
    return [e.changes for e in entries]


def test_changing_the_po_number_writes_an_update_entry_with_old_and_new(session, catalog):
    # Given a saved order, loaded as a request would load it
    order_id = make_order(session, catalog).id
    session.commit()
    session.expunge_all()
    order = session.get(Order, order_id)

    # When its PO number changes
    order.po_number = "PO-2002"
    session.commit()

    # Then an update entry records [old, new] for that field only
    assert _updates_after_creation(session, order_id) == [{"po_number": ["PO-1001", "PO-2002"]}]


def test_a_change_after_a_commit_in_the_same_session_still_records_the_old_value(session, catalog):
    # Given an order committed in this session (its attributes are now expired, as in a bulk
    # action that commits order by order)
    order = make_order(session, catalog)
    session.commit()

    # When its PO number changes
    order.po_number = "PO-2002"
    session.commit()

    # Then the entry still knows the old value
    assert _updates_after_creation(session, order.id) == [{"po_number": ["PO-1001", "PO-2002"]}]


def test_deleting_an_order_keeps_a_snapshot_of_what_was_deleted(session, catalog):
    # Given a saved order
    order = make_order(session, catalog)
    session.commit()
    order_id, identifier = order.id, order.identifier

    # When it is deleted
    session.delete(order)
    session.commit()

    # Then the order is gone but a delete entry keeps its fields
    assert session.get(Order, order_id) is None
    [entry] = _entries(session, entity_type="Order", entity_id=order_id, action="delete")
    assert entry.changes["identifier"] == identifier
    assert entry.changes["po_number"] == "PO-1001"
    assert entry.changes["customer_id"] == catalog["customer"].id


def test_the_actor_set_on_the_session_is_recorded(session, catalog):
    # Given a sales user acting on the session
    users = make_users(session)
    session.commit()
    set_actor(session, users["sales"].id)

    # When they create and change an order
    order = make_order(session, catalog, actor=users["sales"])
    order.customer_notes = "Leave at the back door"
    session.commit()

    # Then every entry names them
    entries = _entries(session, order_id=order.id)
    assert entries and {e.actor_id for e in entries} == {users["sales"].id}


def test_changes_without_an_actor_are_recorded_as_the_system(session, catalog):
    set_actor(session, None)
    order = make_order(session, catalog)
    session.commit()
    assert {e.actor_id for e in _entries(session, order_id=order.id)} == {None}


def test_a_rolled_back_change_leaves_no_audit_rows(session, catalog):
    # Given a saved order and the number of audit rows so far
    order = make_order(session, catalog)
    session.commit()
    before = session.scalar(select(func.count()).select_from(AuditEntry))

    # When a change is flushed (its audit row written) and then rolled back
    order.po_number = "PO-ROLLED-BACK"
    session.flush()
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before + 1
    session.rollback()

    # Then neither the change nor its audit row remains
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before
    assert session.get(Order, order.id).po_number == "PO-1001"


def test_a_flush_without_changes_writes_nothing(session, catalog):
    # Given a saved order, freshly loaded
    order_id = make_order(session, catalog).id
    session.commit()
    session.expunge_all()
    order = session.get(Order, order_id)
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    # When its PO number is set to the same value again
    order.po_number = "PO-1001"
    session.commit()
    # Then no entry is written
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_every_entry_keeps_the_order_number_even_after_the_order_is_deleted(session, catalog):
    # Given an order whose line was changed, freshly loaded as a request would load it
    order = make_order(session, catalog)
    session.commit()
    order_id, number = order.id, order.identifier
    session.expunge_all()
    line = session.get(Order, order_id).line_items[0]
    session.expunge(line.order)
    line.quantity = line.quantity + 1
    session.commit()

    # When the order is deleted
    session.delete(session.get(Order, order_id))
    session.commit()

    # Then each of its entries, the line's update and the deletion included, carries its number
    entries = _entries(session, order_id=order_id)
    assert {"update", "delete"} <= {e.action for e in entries}
    assert {e.order_identifier for e in entries} == {number}


def test_every_entry_names_what_changed_as_a_person_would(session, catalog):
    # When an order is created with a widget line, then the line's quantity changes
    order = make_order(session, catalog)
    session.commit()
    order.line_items[0].quantity = 5
    session.commit()

    # Then the order's entries name it by its number and the line's by its SKU
    [order_entry] = _entries(session, entity_type="Order", entity_id=order.id)
    assert order_entry.entity_label == order.identifier
    line_entries = _entries(session, entity_type="OrderLineItem", entity_id=order.line_items[0].id)
    assert [(e.action, e.entity_label) for e in line_entries] == [("create", "WID-1"), ("update", "WID-1")]
