"""The order state machine (SPEC §2.2) as data.

Every transition is one row of TRANSITIONS: its button label, the statuses it leaves from,
its target, the permission it needs, the words of its confirmation and result, and its side
effect. The order page's buttons, the grid's bulk menus, the history labels, the flash texts
and the server's checks all read this table, so a new row shows up everywhere at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, inspect, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.elements import ColumnElement

from actions.audit import label_change, set_actor, to_jsonable, write_order_entries
from actions.coupons import release_coupon_uses
from actions.errors import InvalidTransition
from actions.permissions import has_permission, require_permission
from actions.rollups import FACT_KEYS, OrderFacts, fact_columns, order_facts, record_status_moves
from models import InternalStatus, Order, ShippingStatus, User, utcnow

Effect = Callable[[Session, Order], None]


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # the button and menu entry, OroCommerce's wording
    sources: frozenset[InternalStatus]
    target: InternalStatus
    permission: str
    done: str  # "Order #SO-000042 has been <done>." / "cannot be <done> because it is closed"
    confirmation: str
    effect: Effect | None = None  # what else changes, before the status does
    # A transition that needs more input (quantities, tracking numbers) names the form that
    # asks for it; the order page opens that form instead of applying the transition at once.
    form: str | None = None
    # What it does to many orders at once, for the bulk confirmation ("Open orders become …").
    consequence: str = ""

    def result(self, order: Order) -> str:
        return f"Order #{order.identifier} has been {self.done}."


def _ship_everything_remaining(session: Session, order: Order) -> None:
    for line in order.line_items:
        if line.shipped_quantity != line.quantity:
            line.shipped_quantity = Decimal(line.quantity)
    order.shipping_status = ShippingStatus.SHIPPED


def _release_coupon_uses(session: Session, order: Order) -> None:
    release_coupon_uses(session, order)  # a cancelled order holds no coupon use (SPEC §7)


CANCEL = Transition(
    "cancel",
    "Cancel",
    frozenset({InternalStatus.OPEN}),
    InternalStatus.CANCELLED,
    "cancel_orders",
    "cancelled",
    "Are you sure you want to cancel this order? Please note that once your order is "
    "cancelled, it cannot be changed.",
    effect=_release_coupon_uses,
    consequence="Open orders become Cancelled and can no longer be changed.",
)
MARK_SHIPPED = Transition(
    "mark_shipped",
    "Mark as Shipped",
    frozenset({InternalStatus.OPEN}),
    InternalStatus.SHIPPED,
    "ship_orders",
    "marked as shipped",
    "Are you sure you want to mark this order as shipped? Every remaining quantity will be "
    "recorded as shipped.",
    effect=_ship_everything_remaining,
    form="shipment",
    consequence="Open orders become Shipped, with every remaining quantity recorded as shipped.",
)
CLOSE = Transition(
    "close",
    "Close",
    frozenset({InternalStatus.OPEN, InternalStatus.CANCELLED, InternalStatus.SHIPPED}),
    InternalStatus.CLOSED,
    "close_orders",
    "closed",
    "Are you sure you want to close this order? Please note that once your order is closed, "
    "it cannot be changed.",
    consequence="Open, cancelled and shipped orders become Closed and can no longer be changed.",
)
ARCHIVE = Transition(
    "archive",
    "Archive",
    frozenset({InternalStatus.CLOSED}),
    InternalStatus.ARCHIVED,
    "archive_orders",
    "archived",
    "Are you sure you want to archive this order? Archived orders are kept for history only.",
    consequence="Closed orders become Archived, kept for history only.",
)

TRANSITIONS: dict[str, Transition] = {t.name: t for t in (CANCEL, MARK_SHIPPED, CLOSE, ARCHIVE)}


def get_transition(name: str) -> Transition:
    """Raises: InvalidTransition for a name that is not in the table."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise InvalidTransition(f"{str(name)[:40]!r} is not an order action.")
    return transition


def can_apply(order: Order, name: str) -> bool:
    """Tell whether the order's status allows the transition (permissions aside)."""
    transition = TRANSITIONS.get(name)
    return transition is not None and order.internal_status in transition.sources


def allowed_transitions(order: Order, user: User | None = None) -> list[Transition]:
    """The transitions to offer now: allowed by the status and, given a user, by the role."""
    return [
        t
        for t in TRANSITIONS.values()
        if order.internal_status in t.sources and (user is None or has_permission(user, t.permission))
    ]


def check_transition(order: Order, name: str, *, actor: User | None) -> Transition:
    """Raises: InvalidTransition or PermissionDenied, naming the order and its status."""
    transition = get_transition(name)
    if actor is not None:
        require_permission(actor, transition.permission)
    refusal = _refusal(transition, order.identifier, order.internal_status)
    if refusal is not None:
        raise refusal
    return transition


def _refusal(
    transition: Transition, identifier: str | None, status: InternalStatus
) -> InvalidTransition | None:
    """Why the transition cannot leave this status, or None when it can."""
    if status in transition.sources:
        return None
    return InvalidTransition(f"Order {identifier} cannot be {transition.done} because it is {status}")


def move_order(session: Session, order: Order, name: str, *, actor: User | None) -> Order:
    """apply_transition without the flush: a bulk job moves a chunk of orders, then flushes
    them together (one UPDATE statement for all, one INSERT for their audit rows).

    Raises: InvalidTransition, PermissionDenied; nothing changes then.
    """
    transition = check_transition(order, name, actor=actor)
    if actor is not None:
        set_actor(session, actor.id)
    label_change(session, order, transition.name)
    if transition.effect is not None:
        transition.effect(session, order)
    order.internal_status = transition.target
    return order


def apply_transition(session: Session, order: Order, name: str, *, actor: User | None) -> Order:
    """Move the order along one transition, with its side effect; the audit names it, old → new.

    Raises: InvalidTransition, PermissionDenied; nothing changes then.
    """
    move_order(session, order, name, actor=actor)
    session.flush()
    return order


@dataclass(frozen=True)
class OrderRow:
    """An order as a status-only move reads it, as plain values: what its rule checks, its
    version guard, its audit label and what the running totals count of it. A bulk job
    moves thousands of orders a second; building an ORM object for each was a third of it."""

    id: int
    identifier: str | None
    internal_status: InternalStatus
    version: int
    facts: OrderFacts | None


def read_order_rows(session: Session, ids: Sequence[int]) -> list[OrderRow]:
    """The orders of `ids` that still exist, in the order of `ids`, read in one query."""
    if not ids:
        return []
    columns = [Order.id, Order.identifier, Order.version, *fact_columns()]
    rows: dict[int, OrderRow] = {}
    for order_id, identifier, version, *facts in session.execute(select(*columns).where(Order.id.in_(ids))):
        values = dict(zip(FACT_KEYS, facts, strict=True))
        rows[order_id] = OrderRow(
            order_id, identifier, InternalStatus(values["internal_status"]), version, order_facts(values)
        )
    return [rows[order_id] for order_id in ids if order_id in rows]


def move_orders(
    session: Session, orders: Sequence[OrderRow], name: str, *, actor: User | None
) -> list[tuple[OrderRow, InvalidTransition]]:
    """Move many orders (read by read_order_rows) along a transition without side effect,
    and return those it cannot apply to, with why. Each order is checked by the rule of an
    order moved alone; those allowed are written by one executemany UPDATE, each row guarded
    by its version as a flush guards it, and their audit rows by one INSERT with the entries
    the flush listener would write. Copies of them held by the session are expired.

    Raises: PermissionDenied (nothing moves); InvalidTransition for an unknown transition or
    one with a side effect; StaleDataError when an order changed meanwhile (roll back, read
    the orders again, retry).
    """
    transition = get_transition(name)
    if transition.effect is not None:
        raise InvalidTransition(f"{transition.label} changes more than the status; move each order alone.")
    if actor is not None:
        require_permission(actor, transition.permission)
        set_actor(session, actor.id)
    refused: list[tuple[OrderRow, InvalidTransition]] = []
    moving: list[OrderRow] = []
    for order in orders:
        refusal = _refusal(transition, order.identifier, order.internal_status)
        if refusal is None:
            moving.append(order)
        else:
            refused.append((order, refusal))
    if moving:
        _write_status(session, moving, transition)
    return refused


def _write_status(session: Session, orders: list[OrderRow], transition: Transition) -> None:
    table = Order.__table__
    rows = [{"order_id": o.id, "seen_version": o.version, "next_version": o.version + 1} for o in orders]
    statement = (
        update(table)
        .where(table.c.id == bindparam("order_id"), table.c.version == bindparam("seen_version"))
        .values(internal_status=transition.target, version=bindparam("next_version"), updated_at=utcnow())
    )
    written = session.connection().execute(statement, rows).rowcount
    if written != len(rows):
        raise StaleDataError(f"{len(rows) - written} of {len(rows)} orders changed while being moved")
    record_status_moves(session, [o.facts for o in orders], transition.target)
    target = to_jsonable(transition.target)
    entries = [
        (o.id, o.identifier, transition.name, {"internal_status": [to_jsonable(o.internal_status), target]})
        for o in orders
    ]
    write_order_entries(session, entries)
    for order in orders:
        held = session.identity_map.get(inspect(Order).identity_key_from_primary_key((order.id,)))
        if held is not None:
            session.expire(held, ["internal_status", "version", "updated_at"])


def overdue(today: date) -> tuple[ColumnElement[bool], ...]:
    """The test for an overdue order: open, with a ship-until date before today (today's
    date is still in time). The overdue check and the dashboard both use it."""
    # The status as a literal in the SQL, so the open orders' partial index serves the test.
    open_status = literal(InternalStatus.OPEN, Order.internal_status.type, literal_execute=True)
    return (
        Order.internal_status == open_status,
        Order.ship_until.is_not(None),
        Order.ship_until < today,
    )


def overdue_orders(session: Session, today: date) -> list[Order]:
    """Open orders whose ship-until date is before today (today's date is still in time)."""
    return list(session.scalars(select(Order).where(*overdue(today)).order_by(Order.id)))


def overdue_order_ids(session: Session, today: date) -> list[int]:
    """The ids of the open orders whose ship-until date is before today."""
    return list(session.scalars(select(Order.id).where(*overdue(today)).order_by(Order.id)))


def cancel_overdue(session: Session, today: date) -> list[str]:
    """Cancel every overdue open order as the system (no actor); return their numbers."""
    set_actor(session, None)
    cancelled = []
    for order in overdue_orders(session, today):
        apply_transition(session, order, CANCEL.name, actor=None)
        cancelled.append(order.identifier or str(order.id))
    return cancelled
