"""The audit trail: flush listeners record every change to an order and its parts.

Before a flush it reads attribute history (old → new) of orders, lines, addresses, discounts
and trackings; after the flush, when new rows have ids, it inserts the audit rows through the
same connection, so they commit or roll back with the change itself.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from actions.rollups import install_rollup_listeners
from actions.webhook_events import install_webhook_outbox, note_entries
from models import (
    AppliedPromotion,
    AuditEntry,
    Base,
    Order,
    OrderLineItem,
    ShippingTracking,
    SpecialDiscount,
    order_identifier,
    utcnow,
)

# Address copies are recorded through the order fields that point at them.
AUDITED: tuple[type[Base], ...] = (Order, OrderLineItem, SpecialDiscount, ShippingTracking, AppliedPromotion)
ORDER_COLLECTIONS = ("line_items", "special_discounts", "shipping_trackings")
# Bookkeeping columns whose changes say nothing to a person reading the history.
IGNORED_FIELDS = frozenset({"id", "updated_at", "version", "created_at", "submission_key"})
ACTOR_KEY = "actor_id"
_PENDING_KEY = "audit_pending"
_LABELS_KEY = "audit_labels"


def set_actor(session: Session, actor_id: int | None) -> None:
    """Attribute the session's next changes to a user (None for system jobs)."""
    session.info[ACTOR_KEY] = actor_id


def label_change(session: Session, order: Order, action: str) -> None:
    """Record the order's next update under an action name (e.g. 'cancel') instead of 'update'."""
    session.info.setdefault(_LABELS_KEY, {})[id(order)] = action


def to_jsonable(value: Any) -> Any:
    """Turn a column value into something JSON keeps exactly (money as a string)."""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        whole, _, fraction = text.partition(".")
        return f"{whole}.{fraction:0<2}" if fraction else whole
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: Any) -> dict[str, Any]:
    """Return every column of an object, for create and delete entries."""
    return {
        attr.key: to_jsonable(getattr(obj, attr.key))
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in IGNORED_FIELDS
    }


def _field_changes(obj: Any) -> dict[str, list[Any]]:
    state = inspect(obj)
    changes: dict[str, list[Any]] = {}
    # Only attributes set since the object was loaded can have changed (reading the history of
    # every column of every order was most of a bulk job's time).
    touched = state.committed_state
    for attr in state.mapper.column_attrs:
        if attr.key not in touched or attr.key in IGNORED_FIELDS:
            continue
        hist = state.attrs[attr.key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if old != new:
            changes[attr.key] = [to_jsonable(old), to_jsonable(new)]
    return changes


def _order_id_of(obj: Any) -> int | None:
    if isinstance(obj, Order):
        return obj.id
    return obj.order_id if obj.order_id is not None else getattr(obj.order, "id", None)


def entity_label(obj: Any) -> str | None:
    """What a person calls an audited object: the order's number, the line's SKU, the
    discount's description (or its value), the tracking number, the promotion's name."""
    if isinstance(obj, Order):
        return obj.identifier
    if isinstance(obj, OrderLineItem):
        return obj.product_sku
    if isinstance(obj, SpecialDiscount):
        if obj.description:
            return obj.description
        value = to_jsonable(obj.value)
        return f"{value}%" if obj.type == "percent" else value
    if isinstance(obj, ShippingTracking):
        return obj.number
    if isinstance(obj, AppliedPromotion):
        return obj.promotion_name
    return None


def _order_numbers(session: Session, objects: list[Any]) -> dict[int, str | None]:
    """The numbers of the orders the objects belong to: from the session where it holds the
    order, else in one query."""
    numbers: dict[int, str | None] = {}
    for obj in objects:
        if isinstance(obj, Order):
            numbers[obj.id] = obj.identifier
    missing = {order_id for obj in objects if (order_id := _order_id_of(obj)) is not None} - set(numbers)
    for order_id in list(missing):
        held = session.identity_map.get(inspect(Order).identity_key_from_primary_key((order_id,)))
        if held is not None and "identifier" in inspect(held).dict:
            numbers[order_id] = held.identifier
            missing.discard(order_id)
    if missing:
        table = Order.__table__
        rows = session.connection().execute(
            select(table.c.id, table.c.identifier).where(table.c.id.in_(sorted(missing)))
        )
        numbers.update({row.id: row.identifier for row in rows})
    return numbers


def _removed_children(session: Session) -> list[Any]:
    """Lines, discounts and trackings dropped from an order's collections: deleted as orphans
    during the flush, so they never show up in session.deleted beforehand."""
    removed = []
    for order in session.dirty:
        if not isinstance(order, Order):
            continue
        state = inspect(order)
        for key in ORDER_COLLECTIONS:
            for child in state.attrs[key].history.deleted:
                if inspect(child).persistent and child not in session.deleted:
                    removed.append(child)
    return removed


def _collect(session: Session, flush_context: Any, instances: Any) -> None:
    # A fresh list each flush: what a failed flush collected never reaches a later one.
    pending: list[tuple[Any, str, dict[str, Any]]] = []
    session.info[_PENDING_KEY] = pending
    for obj in session.new:
        if isinstance(obj, AUDITED):
            pending.append((obj, "create", {}))
    # A label waits for its object's update: an autoflush in between (new tracking rows,
    # a lazy load) must not use it up, or a shipment would read as a plain update.
    labels: dict[int, str] = session.info.get(_LABELS_KEY, {})
    for obj in session.dirty:
        if isinstance(obj, AUDITED):
            changes = _field_changes(obj)
            if changes:
                pending.append((obj, labels.pop(id(obj), "update"), changes))
    for obj in [*session.deleted, *_removed_children(session)]:
        if isinstance(obj, AUDITED):
            pending.append((obj, "delete", snapshot(obj)))


def _write(session: Session, flush_context: Any) -> None:
    write_entries(session, session.info.pop(_PENDING_KEY, []))


def write_entries(session: Session, pending: list[tuple[Any, str, dict[str, Any]]]) -> None:
    """Insert the audit rows of (object, action, changes) triples in one statement, as the
    session's actor. The flush listener writes what it collected through it (orders moved by
    one UPDATE, with no object, go through write_order_entries). The rows are also the source
    of the transaction's webhook events.
    """
    if not pending:
        return
    now = utcnow()
    actor_id = session.info.get(ACTOR_KEY)
    numbers = _order_numbers(session, [obj for obj, _action, _changes in pending])
    rows = []
    for obj, action, changes in pending:
        order_id = _order_id_of(obj)
        rows.append(
            {
                "actor_id": actor_id,
                "occurred_at": now,
                "entity_type": type(obj).__name__,
                "entity_id": obj.id,
                "order_id": order_id,
                "order_identifier": None if order_id is None else numbers.get(order_id),
                "entity_label": entity_label(obj),
                "action": action,
                "changes": snapshot(obj) if action == "create" else changes,
            }
        )
    _insert_entries(session, rows)


def write_order_entries(session: Session, pending: list[tuple[int, str | None, str, dict[str, Any]]]) -> None:
    """Insert the audit rows of orders changed without an ORM object, as (order id, number,
    action, changes), in one statement as the session's actor: the rows write_entries would
    write for the same orders."""
    now = utcnow()
    actor_id = session.info.get(ACTOR_KEY)
    rows = [
        {
            "actor_id": actor_id,
            "occurred_at": now,
            "entity_type": Order.__name__,
            "entity_id": order_id,
            "order_id": order_id,
            "order_identifier": number,
            "entity_label": number,
            "action": action,
            "changes": changes,
        }
        for order_id, number, action, changes in pending
    ]
    _insert_entries(session, rows)


def _insert_entries(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write audit rows, and keep them for the transaction's webhook events."""
    if rows:
        session.connection().execute(insert(AuditEntry), rows)
        note_entries(session, rows)


def _forget_labels(session: Session) -> None:
    """A label not used by the end of its transaction never names a later change."""
    session.info.pop(_LABELS_KEY, None)


def _keep_old_value(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
    return value


def _load_old_values_on_change() -> None:
    """Make SQLAlchemy load a column's old value before it is overwritten.

    Without this, a value expired by a commit and then set has no 'old' in its history, and
    the audit would record '— → cancelled' instead of 'open → cancelled'.
    """
    for cls in AUDITED:
        for attr in inspect(cls).column_attrs:
            column = getattr(cls, attr.key)
            if not event.contains(column, "set", _keep_old_value):
                event.listen(column, "set", _keep_old_value, active_history=True, retval=True)


def _number_new_orders(session: Session, flush_context: Any) -> None:
    """Give each order inserted by this flush its default number, SO- plus its id.

    Done in the same flush (ids exist only after the insert), so the order is never seen
    without a number and its create entry in the audit trail carries it.
    """
    for obj in session.new:
        if isinstance(obj, Order) and obj.identifier is None:
            number = order_identifier(obj.id)
            session.connection().execute(
                update(Order.__table__).where(Order.__table__.c.id == obj.id).values(identifier=number)
            )
            set_committed_value(obj, "identifier", number)


def install_audit_listeners(session_class: Any) -> None:
    """Attach the numbering and audit listeners, the webhook outbox fed by the audit rows and
    the dashboard's running totals, to a Session class; idempotent."""
    _load_old_values_on_change()
    install_webhook_outbox(session_class)
    install_rollup_listeners(session_class)
    if not event.contains(session_class, "before_flush", _collect):
        event.listen(session_class, "before_flush", _collect)
        event.listen(session_class, "after_flush", _number_new_orders)
        event.listen(session_class, "after_flush", _write)
        event.listen(session_class, "after_commit", _forget_labels)
        event.listen(session_class, "after_rollback", _forget_labels)
