"""Order events for webhooks, derived from the audit trail, written as an outbox.

Every change to an order already passes through `actions.audit.write_entries` (the flush
listener, and the bulk moves that write without a flush); it hands its rows here, and new
notes (not part of the audit trail) are picked up after each flush. When the transaction
commits, its rows become events (one per kind and order, the rows of all its flushes
together) and one delivery row per subscribed endpoint, with a job to send them, in the same
transaction: a change and its deliveries commit or roll back together. The job ids wait for
the caller's queue (`take_committed_jobs`) until the commit is done.

A transaction that changed no order costs nothing; one that did costs one query for the
active endpoints, and nothing more when none wants its events.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from models import Job, Note, Order, WebhookDelivery, WebhookEndpoint, utcnow

_ROWS_KEY = "webhook_rows"
_JOBS_KEY = "webhook_jobs"
KIND = "webhook"
Row = Mapping[str, Any]


@dataclass
class OrderEvent:
    name: str
    order_id: int
    order_number: str | None
    occurred_at: datetime
    actor_id: int | None
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def payload(self) -> dict[str, Any]:
        """The JSON body a receiver gets."""
        return {
            "id": self.id,
            "type": self.name,
            "occurred_at": self.occurred_at.isoformat(),
            "actor_id": self.actor_id,
            "order": {"id": self.order_id, "number": self.order_number},
            "data": self.data,
        }


def note_entries(session: Session, rows: Iterable[Row]) -> None:
    """Keep audit rows (as written) for the events of this transaction."""
    session.info.setdefault(_ROWS_KEY, []).extend(rows)


def _entry(row: Row) -> dict[str, Any]:
    """An audit row as a receiver reads it; `changes` holds [old, new] per field, or the
    record's values for a create or delete."""
    return {
        "entity": row["entity_type"],
        "id": row["entity_id"],
        "label": row["entity_label"],
        "action": row["action"],
        "changes": row["changes"],
    }


def _events_of_order(order_rows: list[Row]) -> list[tuple[str, Row, dict[str, Any]]]:
    """(event name, the row it stems from, its data) for one order's rows of a transaction."""
    audited = [r for r in order_rows if r["entity_type"] != "Note"]
    own = [r for r in audited if r["entity_type"] == "Order"]
    deleted = next((r for r in own if r["action"] == "delete"), None)
    if deleted is not None:
        return [("order.deleted", deleted, {"order": deleted["changes"]})]
    found: list[tuple[str, Row, dict[str, Any]]] = []
    created = next((r for r in own if r["action"] == "create"), None)
    if created is not None:
        found.append(
            ("order.created", created, {"order": created["changes"], "changes": [_entry(r) for r in audited]})
        )
    elif audited:
        found.append(("order.updated", audited[-1], {"changes": [_entry(r) for r in audited]}))
        for row in own:
            transition = None if row["action"] in ("update", "create") else row["action"]
            if "internal_status" in row["changes"]:
                old, new = row["changes"]["internal_status"]
                found.append(
                    ("order.status_changed", row, {"from": old, "to": new, "transition": transition})
                )
            if "shipping_status" in row["changes"] and row["changes"]["shipping_status"][1] == "shipped":
                old, new = row["changes"]["shipping_status"]
                found.append(("order.shipped", row, {"from": old, "to": new, "transition": transition}))
    for row in audited:
        code = row["changes"].get("coupon_code") if row["entity_type"] == "AppliedPromotion" else None
        if row["action"] == "create" and code:
            data = {
                "coupon_code": code,
                "promotion": row["entity_label"],
                "applied_promotion_id": row["entity_id"],
            }
            found.append(("order.coupon_applied", row, data))
    for row in order_rows:
        if row["entity_type"] == "Note":
            found.append(("order.note_added", row, {"note": {"id": row["entity_id"], **row["changes"]}}))
    return found


def derive_events(rows: Sequence[Row]) -> list[OrderEvent]:
    """The events a transaction's audit rows (and new notes) make, order by order.

    An order created or deleted makes only that event (and its coupons and notes); any other
    change makes one order.updated with every change, plus order.status_changed per status
    change, order.shipped when it becomes Shipped, order.coupon_applied per coupon.
    """
    by_order: dict[int, list[Row]] = {}
    for row in rows:
        if row["order_id"] is not None:
            by_order.setdefault(row["order_id"], []).append(row)
    events = []
    for order_id, order_rows in by_order.items():
        number = next((r["order_identifier"] for r in order_rows if r["order_identifier"]), None)
        for name, row, data in _events_of_order(order_rows):
            events.append(OrderEvent(name, order_id, number, row["occurred_at"], row["actor_id"], data))
    return events


def _note_added_notes(session: Session, flush_context: Any) -> None:
    """New notes, as rows shaped like the audit trail's (notes are timeline items, not audited)."""
    notes = [obj for obj in session.new if isinstance(obj, Note)]
    if notes:
        now = utcnow()
        note_entries(
            session,
            [
                {
                    "order_id": note.order_id,
                    "order_identifier": None,
                    "entity_type": "Note",
                    "entity_id": note.id,
                    "entity_label": None,
                    "action": "create",
                    "changes": {"body": note.body, "author_id": note.author_id},
                    "actor_id": note.author_id,
                    "occurred_at": now,
                }
                for note in notes
            ],
        )


def _fill_order_numbers(session: Session, events: list[OrderEvent]) -> None:
    """Numbers for events that came with none (notes), in one query."""
    missing = {e.order_id for e in events if e.order_number is None}
    if missing:
        rows = session.execute(select(Order.id, Order.identifier).where(Order.id.in_(sorted(missing))))
        numbers = {row.id: row.identifier for row in rows}
        for e in events:
            if e.order_number is None:
                e.order_number = numbers.get(e.order_id)


def _write_outbox(session: Session) -> None:
    """Before the commit: the transaction's events become delivery rows and their job."""
    if session.in_nested_transaction():
        return
    session.flush()  # the last changes' audit rows are written now, not by the commit
    rows = session.info.pop(_ROWS_KEY, None)
    if not rows:
        return
    endpoints = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.events).where(WebhookEndpoint.active)
    ).all()
    wanted = {name for _id, names in endpoints for name in names}
    events = [e for e in derive_events(rows) if e.name in wanted]
    if not events:
        return
    _fill_order_numbers(session, events)
    now = utcnow()
    deliveries = [
        {"endpoint_id": endpoint_id, "event_id": e.id, "event": e.name, "payload": e.payload()}
        for e in events
        for endpoint_id, names in endpoints
        if e.name in names
    ]
    count = len(deliveries)
    job = Job(
        kind=KIND,
        title=f"Send {count:,} webhook deliver{'y' if count == 1 else 'ies'}",
        params={},
        total=count,
    )
    session.add(job)
    session.flush()
    common = {"state": "pending", "attempts": 0, "next_try_at": now, "job_id": job.id, "created_at": now}
    session.execute(insert(WebhookDelivery), [{**d, **common} for d in deliveries])
    queue_after_commit(session, job.id)


def queue_after_commit(session: Session, job_id: int) -> None:
    """Hand a webhook job to the queue once this transaction has committed."""
    session.info.setdefault(_JOBS_KEY, []).append(job_id)


def take_committed_jobs(session: Session) -> list[int]:
    """The webhook jobs the transaction just committed, for the caller to queue (once)."""
    return list(session.info.pop(_JOBS_KEY, ()))


def _forget(session: Session, transaction: Any) -> None:
    """What a transaction noted never reaches the next one (after a rollback, above all)."""
    if transaction.parent is None:
        session.info.pop(_ROWS_KEY, None)
        session.info.pop(_JOBS_KEY, None)


def install_webhook_outbox(session_class: Any) -> None:
    """Attach the outbox listeners to a Session class; idempotent."""
    if not event.contains(session_class, "before_commit", _write_outbox):
        event.listen(session_class, "after_flush", _note_added_notes)
        event.listen(session_class, "before_commit", _write_outbox)
        event.listen(session_class, "after_transaction_end", _forget)
