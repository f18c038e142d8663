"""/api/v1/orders/{id}/notes and /events: an order's notes and calendar events, as the
Activity section's forms handle them. Adding needs edit_orders (on an order in any status);
changing or deleting, the author or an admin (the actions decide). Reading needs view_orders."""

from __future__ import annotations

from typing import Any, TypeVar

import marshmallow as ma
from flask import abort, url_for
from flask.views import MethodView
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from actions.activities import (
    EventData,
    add_event,
    add_note,
    delete_event,
    delete_note,
    update_event,
    update_note,
)
from admin.api.activity_schemas import Event, EventIn, EventPage, EventUpdate, Note, NoteIn, NotePage
from admin.api.auth import api_actor
from admin.api.common import (
    BAD_CURSOR,
    ApiError,
    PageArgs,
    api_blueprint,
    decode_cursor,
    encode_cursor,
    links,
    page_response,
    unit_of_work,
)
from admin.api.links import activity_links
from admin.api.orders import NotFoundError, _document, _order_or_404, _viewer
from models import MAX_ID, CalendarEvent, db
from models import Note as NoteRow

blp = api_blueprint("api_order_activities", "/orders", "An order's notes and calendar events.")
T = TypeVar("T")
NOTE_METHODS = ("get", "patch", "delete")  # the operations on one note or event
NO_ITEM = "The order has no such {}: it may have been deleted, or the id is wrong."


def activity_or_404(model: type[T], order_id: int, item_id: int, label: str) -> T:
    """An activity of the order (the order first: a missing order is its own 404)."""
    _order_or_404(order_id)
    item = db.session.get(model, item_id)
    if item is None or item.order_id != order_id:  # type: ignore[attr-defined]
        raise ApiError(NotFoundError(NO_ITEM.format(label)))
    return item


def activity_page(model: Any, order_id: int, args: dict[str, Any]) -> dict[str, Any]:
    """One page of the order's activities of a kind, newest first (follow `next_cursor`)."""
    _viewer()
    _order_or_404(order_id)
    query = select(model).where(model.order_id == order_id).options(joinedload(model.author))
    if args.get("cursor"):
        (before,) = decode_cursor(args["cursor"], 1)
        if type(before) is not int or not 0 < before <= MAX_ID:
            abort(422, BAD_CURSOR)
        query = query.where(model.id < before)
    rows = list(db.session.scalars(query.order_by(model.id.desc()).limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return page_response(rows, encode_cursor([rows[-1].id]) if more else None)


def created(body: Any, endpoint: str, **values: Any) -> tuple[Any, int, dict[str, str]]:
    return body, 201, {"Location": url_for(endpoint, **values)}


# ---- notes ----


@blp.route("/<int:order_id>/notes")
class Notes(MethodView):
    @blp.arguments(PageArgs, location="query", unknown=ma.RAISE)
    @blp.response(200, NotePage)
    @links(200, **activity_links("note", "$response.body#/items/0/id", NOTE_METHODS))
    @_document(403, 404, 422)
    def get(self, args: dict[str, Any], order_id: int) -> dict[str, Any]:
        """The order's notes, newest first."""
        return activity_page(NoteRow, order_id, args)

    @blp.arguments(NoteIn)
    @blp.response(201, Note)
    @links(201, **activity_links("note", "$response.body#/id", NOTE_METHODS))
    @_document(403, 404, 422)
    def post(self, body: dict[str, Any], order_id: int) -> Any:
        """Add a plain-text note (any order status; not for viewers)."""
        actor = api_actor()
        order = _order_or_404(order_id)
        note = unit_of_work(lambda: add_note(db.session, order, body["body"], actor=actor))
        return created(note, ".Note", order_id=order_id, note_id=note.id)


@blp.route("/<int:order_id>/notes/<int:note_id>", endpoint="Note")
class NoteResource(MethodView):
    @blp.response(200, Note)
    @_document(403, 404)
    def get(self, order_id: int, note_id: int) -> NoteRow:
        """One note of the order."""
        _viewer()
        return activity_or_404(NoteRow, order_id, note_id, "note")

    @blp.arguments(NoteIn)
    @blp.response(200, Note)
    @_document(403, 404, 422)
    def patch(self, body: dict[str, Any], order_id: int, note_id: int) -> NoteRow:
        """Replace the note's text (its author or an admin)."""
        actor = api_actor()
        note = activity_or_404(NoteRow, order_id, note_id, "note")
        return unit_of_work(lambda: update_note(db.session, note, body["body"], actor=actor))

    @blp.response(204)
    @_document(403, 404)
    def delete(self, order_id: int, note_id: int) -> None:
        """Delete the note (its author or an admin)."""
        actor = api_actor()
        note = activity_or_404(NoteRow, order_id, note_id, "note")
        unit_of_work(lambda: delete_note(db.session, note, actor=actor))


# ---- calendar events ----


def _event_data(body: dict[str, Any], current: CalendarEvent | None = None) -> EventData:
    """The event's fields: those given, the current ones for the rest (a PATCH)."""
    was: dict[str, Any] = {}
    if current is not None:
        was = {
            "title": current.title,
            "description": current.description or "",
            "starts_at": current.starts_at,
            "ends_at": current.ends_at,
            "all_day": current.all_day,
        }
    fields = {"description": "", "all_day": False, **was, **body}
    return EventData(
        title=fields["title"],
        description=fields["description"] or "",
        starts_at=fields["starts_at"],
        ends_at=fields["ends_at"],
        all_day=bool(fields["all_day"]),
    )


@blp.route("/<int:order_id>/events")
class Events(MethodView):
    @blp.arguments(PageArgs, location="query", unknown=ma.RAISE)
    @blp.response(200, EventPage)
    @links(200, **activity_links("event", "$response.body#/items/0/id", NOTE_METHODS))
    @_document(403, 404, 422)
    def get(self, args: dict[str, Any], order_id: int) -> dict[str, Any]:
        """The order's calendar events, newest first."""
        return activity_page(CalendarEvent, order_id, args)

    @blp.arguments(EventIn)
    @blp.response(201, Event)
    @links(201, **activity_links("event", "$response.body#/id", NOTE_METHODS))
    @_document(403, 404, 422)
    def post(self, body: dict[str, Any], order_id: int) -> Any:
        """Add a calendar event (an all-day one keeps whole days; it ends no sooner than it starts)."""
        actor = api_actor()
        order = _order_or_404(order_id)
        event = unit_of_work(lambda: add_event(db.session, order, _event_data(body), actor=actor))
        return created(event, ".Event", order_id=order_id, event_id=event.id)


@blp.route("/<int:order_id>/events/<int:event_id>", endpoint="Event")
class EventResource(MethodView):
    @blp.response(200, Event)
    @_document(403, 404)
    def get(self, order_id: int, event_id: int) -> CalendarEvent:
        """One calendar event of the order."""
        _viewer()
        return activity_or_404(CalendarEvent, order_id, event_id, "event")

    @blp.arguments(EventUpdate(partial=True))
    @blp.response(200, Event)
    @_document(403, 404, 422)
    def patch(self, body: dict[str, Any], order_id: int, event_id: int) -> CalendarEvent:
        """Change the event (its author or an admin); the fields left out stay as they are."""
        actor = api_actor()
        event = activity_or_404(CalendarEvent, order_id, event_id, "event")
        data = _event_data(body, event)
        return unit_of_work(lambda: update_event(db.session, event, data, actor=actor))

    @blp.response(204)
    @_document(403, 404)
    def delete(self, order_id: int, event_id: int) -> None:
        """Delete the event (its author or an admin)."""
        actor = api_actor()
        event = activity_or_404(CalendarEvent, order_id, event_id, "event")
        unit_of_work(lambda: delete_event(db.session, event, actor=actor))
