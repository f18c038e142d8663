"""Order events for webhooks, derived from the audit trail and written with the change itself
(actions/webhook_events.py): which events each action makes, what their payload says, and
that a transaction nobody listens to costs at most one query."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from actions.activities import add_note
from actions.coupons import check_new_coupon
from actions.discounts import apply_coupon
from actions.editing import delete_order
from actions.lifecycle import apply_transition, move_orders, read_order_rows
from actions.shipping import ship_order
from actions.webhook_events import take_committed_jobs
from models import Coupon, Job, Promotion, WebhookDelivery, WebhookEndpoint
from tests.factories import make_order, order_in_status

ALL = [
    "order.created",
    "order.updated",
    "order.status_changed",
    "order.shipped",
    "order.deleted",
    "order.coupon_applied",
    "order.note_added",
]


def subscribe(session: Session, events: list[str] = ALL, *, active: bool = True) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(
        url="https://hooks.example/in", secret="whsec_test", events=events, active=active
    )
    session.add(endpoint)
    session.commit()
    return endpoint


def sent(session: Session, endpoint: WebhookEndpoint | None = None) -> list[tuple[str, dict[str, Any]]]:
    """(event, payload) of every delivery written, oldest first."""
    query = select(WebhookDelivery).order_by(WebhookDelivery.id)
    if endpoint is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint.id)
    return [(d.event, d.payload) for d in session.scalars(query)]


@contextmanager
def endpoint_queries(session: Session) -> Iterator[list[str]]:
    """The statements reading the webhook endpoints while the block runs."""
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM webhook_endpoints" in statement:
            seen.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_without_a_subscribed_endpoint_a_change_writes_no_delivery_and_asks_once(session, catalog, users):
    # Given no endpoint at all
    # When an order is made and one is cancelled, each in its transaction, and a commit changes nothing
    with endpoint_queries(session) as queries:
        order = make_order(session, catalog, actor=users["manager"])
        session.commit()
        apply_transition(session, order, "cancel", actor=users["manager"])
        session.commit()
        session.commit()

    # Then one look at the endpoints per transaction that changed an order, none otherwise, and no delivery
    assert len(queries) == 2
    assert sent(session) == [] and session.scalars(select(Job)).all() == []


def test_an_order_made_over_several_flushes_is_one_order_created_with_its_lines(session, catalog, users):
    # Given an endpoint for every event
    subscribe(session)

    # When an order is created (its lines and totals flushed after the order itself)
    order = make_order(session, catalog, actor=users["sales"])
    session.commit()

    # Then one event says so, with the order's values and every line
    [(name, payload)] = sent(session)
    assert name == "order.created"
    assert payload["type"] == "order.created" and len(payload["id"]) == 36
    assert payload["order"] == {"id": order.id, "number": order.identifier}
    assert payload["actor_id"] == users["sales"].id
    assert payload["data"]["order"]["internal_status"] == "open"
    assert payload["data"]["order"]["po_number"] == "PO-1001"
    lines = [c["label"] for c in payload["data"]["changes"] if c["entity"] == "OrderLineItem"]
    assert sorted(lines) == sorted(line.product_sku for line in order.line_items)
    datetime.fromisoformat(payload["occurred_at"])


def test_cancel_is_an_update_and_a_status_change_naming_the_transition(session, catalog, users):
    # Given an open order, and an endpoint for every event
    order = make_order(session, catalog, actor=users["manager"])
    session.commit()
    subscribe(session)

    # When it is cancelled
    apply_transition(session, order, "cancel", actor=users["manager"])
    session.commit()

    # Then order.updated carries the change, and order.status_changed says from what to what
    events = dict(sent(session))
    assert set(events) == {"order.updated", "order.status_changed"}
    assert events["order.status_changed"]["data"] == {
        "from": "open",
        "to": "cancelled",
        "transition": "cancel",
    }
    changes = events["order.updated"]["data"]["changes"]
    assert {"entity": "Order", "action": "cancel"}.items() <= changes[0].items()
    assert changes[0]["changes"]["internal_status"] == ["open", "cancelled"]
    assert events["order.updated"]["id"] != events["order.status_changed"]["id"]


def test_an_order_is_shipped_once_its_last_units_leave_not_at_a_partial_shipment(session, catalog, users):
    # Given an open order with 2 widgets and 1 gadget, and an endpoint for order.shipped only
    order = make_order(session, catalog, actor=users["manager"])
    session.commit()
    endpoint = subscribe(session, ["order.shipped"])
    first, second = order.line_items

    # When one unit leaves, then the rest
    ship_order(session, order, actor=users["manager"], quantities={first.id: "1"})
    session.commit()
    assert sent(session, endpoint) == []
    ship_order(session, order, actor=users["manager"])
    session.commit()

    # Then one order.shipped, from the partial shipment to shipped
    [(name, payload)] = sent(session, endpoint)
    assert name == "order.shipped"
    assert payload["data"] == {"from": "partially_shipped", "to": "shipped", "transition": "mark_shipped"}


def test_a_coupon_applied_and_a_note_added_are_events_of_their_own(session, catalog, users):
    # Given an open order and a coupon, and an endpoint for coupons and notes only
    order = make_order(session, catalog, actor=users["sales"])
    promotion = Promotion(
        name="Spring Sale", kind="order_percent", value=Decimal("10"), active=True, requires_coupon=True
    )
    coupon = Coupon(
        code="SPRING10",
        promotion=promotion,
        enabled=True,
        uses=0,
        uses_per_coupon=5,
        uses_per_customer_user=5,
    )
    check_new_coupon(session, coupon)
    session.add(coupon)
    session.commit()
    subscribe(session, ["order.coupon_applied", "order.note_added"])

    # When the coupon is applied, and a note added
    applied = apply_coupon(
        session, order, "SPRING10", actor=users["sales"], now=datetime(2030, 1, 1, tzinfo=UTC)
    )
    session.commit()
    note = add_note(session, order, "Call before delivery", actor=users["sales"])
    session.commit()

    # Then each has its event, naming the order
    (coupon_event, coupon_payload), (note_event, note_payload) = sent(session)
    assert coupon_event == "order.coupon_applied"
    assert coupon_payload["data"] == {
        "coupon_code": "SPRING10",
        "promotion": "Spring Sale",
        "applied_promotion_id": applied.id,
    }
    assert note_event == "order.note_added"
    assert note_payload["order"] == {"id": order.id, "number": order.identifier}
    assert note_payload["data"] == {
        "note": {"id": note.id, "body": "Call before delivery", "author_id": users["sales"].id}
    }
    assert note_payload["actor_id"] == users["sales"].id


def test_a_deleted_order_is_one_order_deleted_with_its_last_values(session, catalog, users):
    # Given a cancelled order, and an endpoint for every event
    order = order_in_status(session, catalog, "cancelled", actor=users["manager"])
    session.commit()
    number = order.identifier
    subscribe(session)

    # When it is deleted
    delete_order(session, order, actor=users["admin"])
    session.commit()

    # Then one event, with the order as it was
    [(name, payload)] = sent(session)
    assert name == "order.deleted"
    assert payload["order"]["number"] == number
    assert payload["data"]["order"]["internal_status"] == "cancelled"


def test_orders_moved_in_bulk_make_the_events_of_orders_moved_alone(session, catalog, users):
    # Given two closed orders, and an endpoint for status changes
    orders = [order_in_status(session, catalog, "closed", actor=users["manager"]) for _ in range(2)]
    session.commit()
    subscribe(session, ["order.status_changed"])

    # When a bulk job's step archives them together (one UPDATE, audit rows written directly)
    assert (
        move_orders(
            session, read_order_rows(session, [o.id for o in orders]), "archive", actor=users["manager"]
        )
        == []
    )
    session.commit()

    # Then each order has its status change
    events = sent(session)
    assert [(name, p["order"]["id"]) for name, p in events] == [
        ("order.status_changed", o.id) for o in orders
    ]
    assert {p["data"]["transition"] for _name, p in events} == {"archive"}


def test_each_endpoint_gets_the_events_it_chose_with_one_id_per_event_and_one_job(session, catalog, users):
    # Given an endpoint for everything, one for status changes, and an inactive one
    order = make_order(session, catalog, actor=users["manager"])
    session.commit()
    everything = subscribe(session)
    statuses = subscribe(session, ["order.status_changed"])
    subscribe(session, active=False)
    committed: list[int] = []
    event.listen(session, "after_commit", lambda s: committed.extend(take_committed_jobs(s)))

    # When the order is closed
    apply_transition(session, order, "close", actor=users["manager"])
    session.commit()

    # Then the first gets both events, the second its one (the same event, same id), the
    # inactive one nothing; one job sends the three, queued once the commit is done
    assert [name for name, _ in sent(session, everything)] == ["order.updated", "order.status_changed"]
    [(name, payload)] = sent(session, statuses)
    assert payload == sent(session, everything)[1][1]
    job = session.scalars(select(Job)).one()
    assert (job.kind, job.total, job.state, job.owner_id) == ("webhook", 3, "queued", None)
    assert committed == [job.id]
    assert {d.job_id for d in session.scalars(select(WebhookDelivery))} == {job.id}


def test_a_change_rolled_back_leaves_no_delivery_and_nothing_for_the_next_transaction(
    session, catalog, users
):
    # Given an open order and an endpoint for every event
    order = make_order(session, catalog, actor=users["manager"])
    session.commit()
    subscribe(session)

    # When a cancel is flushed, then rolled back, and a later transaction only adds a note
    apply_transition(session, order, "cancel", actor=users["manager"])
    session.rollback()
    add_note(session, order, "Checked", actor=users["manager"])
    session.commit()

    # Then only the note was sent
    assert [name for name, _ in sent(session)] == ["order.note_added"]
