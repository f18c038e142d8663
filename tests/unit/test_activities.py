"""Notes, events and the order timeline as actions on a plain Session (no Flask)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from actions.activities import (
    EventData,
    add_event,
    add_note,
    delete_event,
    delete_note,
    event_ics,
    may_add_activities,
    order_timeline,
    parse_kinds,
    update_event,
    update_note,
)
from actions.errors import PermissionDenied, ValidationFailed
from actions.lifecycle import apply_transition
from models import Attachment, CalendarEvent, Email, Note, utcnow
from seed import seed_demo
from tests import factories


@pytest.fixture
def setup(session):
    users = factories.make_users(session)
    catalog = factories.make_catalog(session)
    order = factories.make_order(session, catalog, actor=users["sales"])
    session.flush()
    return users, order


@pytest.mark.parametrize(
    ("role", "allowed"), [("admin", True), ("manager", True), ("sales", True), ("viewer", False)]
)
def test_activities_are_allowed_to_everyone_who_may_edit_orders(setup, role, allowed):
    users, order = setup
    assert may_add_activities(users[role]) is allowed


def test_a_viewer_cannot_add_a_note(session, setup):
    users, order = setup
    with pytest.raises(PermissionDenied):
        add_note(session, order, "hello", actor=users["viewer"])
    assert session.scalar(select(func.count()).select_from(Note)) == 0


@pytest.mark.parametrize("body", ["", "   \n  ", "x" * 20_001])
def test_an_empty_or_overlong_note_is_refused(session, setup, body):
    users, order = setup
    with pytest.raises(ValidationFailed):
        add_note(session, order, body, actor=users["sales"])


def test_a_note_is_changed_by_its_author_or_an_admin_only(session, setup):
    users, order = setup
    note = add_note(session, order, "  first  ", actor=users["sales"])
    assert note.body == "first" and note.author_id == users["sales"].id

    with pytest.raises(PermissionDenied):
        update_note(session, note, "by manager", actor=users["manager"])
    with pytest.raises(PermissionDenied):
        delete_note(session, note, actor=users["manager"])
    update_note(session, note, "by author", actor=users["sales"])
    update_note(session, note, "by admin", actor=users["admin"])
    assert note.body == "by admin"
    delete_note(session, note, actor=users["admin"])
    assert session.scalar(select(func.count()).select_from(Note)) == 0


def test_an_event_ending_before_it_starts_is_refused_and_nothing_is_kept(session, setup):
    users, order = setup
    with pytest.raises(ValidationFailed, match="cannot end before it starts"):
        add_event(
            session,
            order,
            EventData(title="Call", starts_at="2031-01-02T10:00", ends_at="2031-01-02T09:59"),
            actor=users["sales"],
        )
    assert session.scalar(select(func.count()).select_from(CalendarEvent)) == 0


@pytest.mark.parametrize(
    ("title", "start", "message"),
    [
        ("", "2031-01-02T10:00", "needs a title"),
        ("Call", "", "Start is required"),
        ("Call", "tomorrow", "not a valid date"),
    ],
)
def test_an_event_needs_a_title_and_valid_times(session, setup, title, start, message):
    users, order = setup
    with pytest.raises(ValidationFailed, match=message):
        add_event(
            session,
            order,
            EventData(title=title, starts_at=start, ends_at="2031-01-02T11:00"),
            actor=users["sales"],
        )


def test_an_all_day_event_keeps_whole_days_and_may_end_on_its_start_day(session, setup):
    users, order = setup
    event = add_event(
        session,
        order,
        EventData(
            title="Stock count", starts_at="2031-03-04T15:30", ends_at="2031-03-04T09:00", all_day=True
        ),
        actor=users["sales"],
    )
    assert event.starts_at == datetime(2031, 3, 4, tzinfo=UTC) == event.ends_at

    ics = event_ics(event, order_number=order.identifier)
    assert "DTSTART;VALUE=DATE:20310304" in ics and "DTEND;VALUE=DATE:20310305" in ics


def test_an_event_is_changed_by_its_author_and_deleted_by_an_admin(session, setup):
    users, order = setup
    event = add_event(
        session,
        order,
        EventData(title="Call", starts_at="2031-01-02T10:00", ends_at="2031-01-02T11:00"),
        actor=users["sales"],
    )
    with pytest.raises(PermissionDenied):
        update_event(
            session,
            event,
            EventData(title="X", starts_at="2031-01-02T10:00", ends_at="2031-01-02T11:00"),
            actor=users["manager"],
        )
    update_event(
        session,
        event,
        EventData(title="Call back", starts_at="2031-01-02T12:00", ends_at="2031-01-02T13:00"),
        actor=users["sales"],
    )
    assert (event.title, event.starts_at.hour) == ("Call back", 12)
    delete_event(session, event, actor=users["admin"])
    assert session.scalar(select(func.count()).select_from(CalendarEvent)) == 0


def test_the_ics_file_escapes_text_and_folds_long_lines(session, setup):
    users, order = setup
    event = add_event(
        session,
        order,
        EventData(
            title="Call; confirm, dock\\door " + "é" * 60,
            description="Line 1\nLine 2",
            starts_at="2031-01-02T10:00",
            ends_at="2031-01-02T11:00",
        ),
        actor=users["sales"],
    )

    ics = event_ics(event, order_number=order.identifier)

    assert ics.startswith("BEGIN:VCALENDAR\r\n") and ics.endswith("END:VCALENDAR\r\n")
    assert "SUMMARY:Call\\; confirm\\, dock\\\\door" in ics
    assert f"DESCRIPTION:Order {order.identifier}\\n\\nLine 1\\nLine 2" in ics
    assert "DTSTART:20310102T100000Z" in ics and "DTEND:20310102T110000Z" in ics
    assert all(len(line.encode()) <= 75 for line in ics.split("\r\n"))


def test_the_timeline_merges_every_kind_newest_first_and_filters(session, setup):
    users, order = setup
    sales = users["sales"]
    base = utcnow() + timedelta(minutes=1)
    note = add_note(session, order, "note", actor=sales)
    event = add_event(
        session,
        order,
        EventData(title="Call", starts_at="2031-01-02T10:00", ends_at="2031-01-02T11:00"),
        actor=sales,
    )
    email = Email(
        order_id=order.id,
        author_id=sales.id,
        to="a@b.example",
        subject="Hi",
        body="x",
        attachments=[],
        headers={},
        status="sent",
    )
    attachment = Attachment(
        order_id=order.id,
        author_id=sales.id,
        original_name="a.pdf",
        stored_name="0" * 32,
        content_type="application/pdf",
        size=1,
    )
    session.add_all([email, attachment])
    session.flush()
    for minutes, item in enumerate((note, attachment, event, email), 1):
        item.created_at = base + timedelta(minutes=minutes)
    order.po_number = "PO-CHANGED"
    session.flush()
    apply_transition(session, order, "cancel", actor=users["manager"])
    session.flush()

    everything = order_timeline(session, order)
    kinds = [i.kind for i in everything]
    assert kinds[:4] == ["email", "event", "attachment", "note"]
    assert {"status", "field"} <= set(kinds)
    assert everything[0].who.id == sales.id

    status = order_timeline(session, order, "status")
    assert [i.item.action for i in status] == ["cancel"]
    fields = order_timeline(session, order, ["field"])
    assert any(i.item.changes.get("po_number") == ["PO-1001", "PO-CHANGED"] for i in fields)
    assert [i.kind for i in order_timeline(session, order, "note,email")] == ["email", "note"]


def test_unknown_timeline_filters_mean_everything():
    assert parse_kinds("bogus") == parse_kinds(None) == parse_kinds("all")
    assert parse_kinds("email,bogus") == ("email",)


def test_the_demo_has_notes_attachments_events_and_emails_sent_and_failed(session, tmp_path, storage):
    seed_demo(session, storage=storage, orders=20, seed=3, echo=lambda _m: None)

    def count(model):
        return session.scalar(select(func.count()).select_from(model))

    assert count(Note) >= 10 and count(Attachment) >= 5 and count(CalendarEvent) >= 3
    statuses = set(session.scalars(select(Email.status)))
    assert statuses == {"sent", "failed"}
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(session.scalars(select(Attachment.stored_name)))
    assert session.scalar(select(func.min(CalendarEvent.starts_at))) > utcnow()
