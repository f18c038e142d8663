"""Notes and calendar events on an order, who may touch them, and the order's Activity timeline.

Activities are allowed to whoever may edit orders (admin, manager, sales; not viewer), on an
order in any status (SPEC §2.2: closed orders are read-only except activities). Notes, events
and attachments are changed or deleted only by their author or an admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from actions.errors import PermissionDenied, ValidationFailed
from actions.history import is_status_action
from actions.permissions import has_permission, require_permission
from models import Attachment, AuditEntry, CalendarEvent, Email, Note, Order, User, utcnow

ACTIVITY_PERMISSION = "edit_orders"
MAX_NOTE_LENGTH = 20_000
MAX_TITLE_LENGTH = 255

# The timeline's filter: code -> label, in the order the filter shows them.
TIMELINE_KINDS = {
    "note": "Notes",
    "attachment": "Attachments",
    "event": "Events",
    "email": "Emails",
    "status": "Status changes",
    "field": "Field changes",
}
ITEM_LABELS = {
    "note": "Note",
    "attachment": "Attachment",
    "event": "Event",
    "email": "Email",
    "status": "Status change",
    "field": "Field change",
}
TIMELINE_LIMIT = 200
STATUS_FIELDS = frozenset({"internal_status", "shipping_status", "payment_status"})


def may_add_activities(user: User | None) -> bool:
    """Tell whether a user may add notes, attachments, events and emails to orders."""
    return has_permission(user, ACTIVITY_PERMISSION)


def may_modify(user: User | None, item: Any) -> bool:
    """Tell whether a user may edit or delete an activity: its author, or an admin."""
    if not may_add_activities(user) or user is None:
        return False
    return user.role == "admin" or (item.author_id is not None and item.author_id == user.id)


def require_modify(user: User | None, item: Any) -> None:
    """Raises: PermissionDenied unless the user is the activity's author or an admin."""
    if not may_modify(user, item):
        raise PermissionDenied("Only its author or an administrator may change this.")


# ---- notes ------------------------------------------------------------------------------


def _note_text(body: str | None) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed("The note is empty.", field="body")
    if len(text) > MAX_NOTE_LENGTH:
        raise ValidationFailed(f"A note can have at most {MAX_NOTE_LENGTH:,} characters.", field="body")
    return text


def add_note(session: Session, order: Order, body: str, *, actor: User) -> Note:
    """Add a plain-text note to an order.

    Raises: PermissionDenied, ValidationFailed (empty or too long).
    """
    require_permission(actor, ACTIVITY_PERMISSION)
    text = _note_text(body)
    note = Note(order_id=order.id, author_id=actor.id, body=text)
    session.add(note)
    session.flush()
    return note


def update_note(session: Session, note: Note, body: str, *, actor: User) -> Note:
    """Replace a note's text. Raises: PermissionDenied, ValidationFailed."""
    require_modify(actor, note)
    note.body = _note_text(body)
    session.flush()
    return note


def delete_note(session: Session, note: Note, *, actor: User) -> None:
    """Delete a note. Raises: PermissionDenied."""
    require_modify(actor, note)
    session.delete(note)
    session.flush()


# ---- calendar events --------------------------------------------------------------------


@dataclass
class EventData:
    """What the Add Event form sends: texts as typed, times as ISO strings or datetimes."""

    title: str
    starts_at: str | datetime
    ends_at: str | datetime
    description: str = ""
    all_day: bool = False
    # The zone typed times are in (the person's); all-day events are calendar dates.
    zone: tzinfo = UTC


def _parse_moment(
    value: str | datetime | date, field: str, label: str, *, all_day: bool, zone: tzinfo = UTC
) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        text = (value or "").strip()
        if not text:
            raise ValidationFailed(f"{label} is required.", field=field)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(f"{label} is not a valid date and time.", field=field) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC if all_day else zone)
    moment = moment.astimezone(UTC)
    if all_day:
        moment = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(microsecond=0)


def _checked_event(data: EventData) -> dict[str, Any]:
    title = (data.title or "").strip()
    if not title:
        raise ValidationFailed("The event needs a title.", field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationFailed(f"A title can have at most {MAX_TITLE_LENGTH} characters.", field="title")
    starts = _parse_moment(data.starts_at, "starts_at", "Start", all_day=data.all_day, zone=data.zone)
    ends = _parse_moment(data.ends_at, "ends_at", "End", all_day=data.all_day, zone=data.zone)
    if ends < starts:
        raise ValidationFailed("The event cannot end before it starts.", field="ends_at")
    description = (data.description or "").replace("\r\n", "\n").strip()
    if len(description) > MAX_NOTE_LENGTH:
        raise ValidationFailed("The description is too long.", field="description")
    return {
        "title": title,
        "description": description or None,
        "starts_at": starts,
        "ends_at": ends,
        "all_day": bool(data.all_day),
    }


def add_event(session: Session, order: Order, data: EventData, *, actor: User) -> CalendarEvent:
    """Add a calendar event to an order (all-day events keep whole days, end ≥ start).

    Raises: PermissionDenied, ValidationFailed (no title, bad date, end before start).
    """
    require_permission(actor, ACTIVITY_PERMISSION)
    values = _checked_event(data)
    event = CalendarEvent(order_id=order.id, author_id=actor.id, **values)
    session.add(event)
    session.flush()
    return event


def update_event(session: Session, event: CalendarEvent, data: EventData, *, actor: User) -> CalendarEvent:
    """Change an event. Raises: PermissionDenied, ValidationFailed."""
    require_modify(actor, event)
    for key, value in _checked_event(data).items():
        setattr(event, key, value)
    session.flush()
    return event


def delete_event(session: Session, event: CalendarEvent, *, actor: User) -> None:
    """Delete an event. Raises: PermissionDenied."""
    require_modify(actor, event)
    session.delete(event)
    session.flush()


def upcoming_events_condition(now: datetime | None = None) -> Any:
    """The events not over yet (an all-day event lasts until the end of its last day)."""
    now = now or utcnow()
    return or_(
        CalendarEvent.ends_at >= now,
        and_(CalendarEvent.all_day.is_(True), CalendarEvent.ends_at >= now - timedelta(days=1)),
    )


def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return "\r\n ".join(out)


def event_ics(event: CalendarEvent, *, order_number: str, url: str = "") -> str:
    """Return the event as an iCalendar (.ics) document."""
    stamp = "%Y%m%dT%H%M%SZ"
    if event.all_day:
        times = [
            f"DTSTART;VALUE=DATE:{event.starts_at:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.ends_at + timedelta(days=1):%Y%m%d}",
        ]
    else:
        times = [
            f"DTSTART:{event.starts_at.astimezone(UTC):{stamp}}",
            f"DTEND:{event.ends_at.astimezone(UTC):{stamp}}",
        ]
    description = f"Order {order_number}"
    if event.description:
        description += "\n\n" + event.description
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//OrderDesk//Order activities//EN",
        "CALSCALE:GREGORIAN",
        "BEGIN:VEVENT",
        f"UID:orderdesk-event-{event.id}@orderdesk",
        f"DTSTAMP:{(event.updated_at or utcnow()).astimezone(UTC):{stamp}}",
        *times,
        f"SUMMARY:{_ics_text(event.title)}",
        f"DESCRIPTION:{_ics_text(description)}",
    ]
    if url:
        lines.append(f"URL:{_ics_text(url)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


# ---- the timeline -----------------------------------------------------------------------


@dataclass
class TimelineItem:
    kind: str  # one of TIMELINE_KINDS
    when: datetime
    who: User | None
    item: Any  # the Note, Attachment, CalendarEvent, Email or AuditEntry
    sort_id: int

    @property
    def kind_label(self) -> str:
        return ITEM_LABELS[self.kind]


def audit_kind(entry: AuditEntry) -> str:
    """'status' for transitions and status edits, 'field' for every other recorded change."""
    if is_status_action(entry.action):
        return "status"
    if entry.action == "update" and STATUS_FIELDS & set(entry.changes or {}):
        return "status"
    return "field"


def parse_kinds(raw: str | Iterable[str] | None) -> tuple[str, ...]:
    """Read the timeline filter ('note', 'email,event', …); unknown codes are ignored."""
    if raw is None or raw == "" or raw == "all":
        return tuple(TIMELINE_KINDS)
    codes = raw.split(",") if isinstance(raw, str) else list(raw)
    chosen = tuple(code for code in TIMELINE_KINDS if code in codes)
    return chosen or tuple(TIMELINE_KINDS)


def order_timeline(
    session: Session, order: Order, kinds: Iterable[str] | None = None, *, limit: int = TIMELINE_LIMIT
) -> list[TimelineItem]:
    """Return the order's activities and recorded changes of the chosen kinds, newest first."""
    wanted = set(parse_kinds(kinds if kinds is None or isinstance(kinds, str) else list(kinds)))
    items: list[TimelineItem] = []
    models: list[tuple[str, Any, Any]] = [
        ("note", Note, Note.created_at),
        ("attachment", Attachment, Attachment.created_at),
        ("event", CalendarEvent, CalendarEvent.created_at),
        ("email", Email, Email.created_at),
    ]
    for kind, model, column in models:
        if kind not in wanted:
            continue
        rows = session.scalars(
            select(model)
            .where(model.order_id == order.id)
            .options(joinedload(model.author))
            .order_by(column.desc(), model.id.desc())
            .limit(limit)
        ).all()
        items += [TimelineItem(kind, row.created_at, row.author, row, row.id) for row in rows]
    if wanted & {"status", "field"}:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.order_id == order.id)
            .options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        ).all()
        for entry in entries:
            kind = audit_kind(entry)
            if kind in wanted:
                items.append(TimelineItem(kind, entry.occurred_at, entry.actor, entry, entry.id))
    items.sort(key=lambda i: (i.when, i.sort_id), reverse=True)
    return items[:limit]
