"""Activities > Calendar Events: the upcoming events of every order, each linking to its order.

Read-only (events are added and changed on the order page); needs view_orders. The .ics
download is shared with the order page's Activity section.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from actions.activities import event_ics, upcoming_events_condition
from admin.base import SecuredModelView, parse_id
from admin.settings import absolute_url
from admin.timeformat import when
from models import CalendarEvent, db


def ics_response(event: CalendarEvent) -> Response:
    """An event as a downloaded .ics file."""
    url = absolute_url(url_for("orders.details_view", id=event.order_id))
    number = event.order.identifier if event.order else str(event.order_id)
    response = Response(event_ics(event, order_number=number, url=url), mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="event-{event.id}.ics"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _when(view: Any, context: Any, model: CalendarEvent, name: str) -> str:
    value = getattr(model, name)
    return value.date().isoformat() if model.all_day else when(value)


def _order_link(view: Any, context: Any, model: CalendarEvent, name: str) -> Markup:
    url = url_for("orders.details_view", id=model.order_id) + "#section-activity"
    number = model.order.identifier if model.order else model.order_id
    return Markup('<a href="{}" class="event-order">{}</a>').format(url, number)


def _ics_link(view: Any, context: Any, model: CalendarEvent, name: str) -> Markup:
    return Markup('<a href="{}" class="event-ics">.ics</a>').format(url_for(".ics_view", id=model.id))


class CalendarEventView(SecuredModelView):
    view_permission = "view_orders"
    manage_permission = "edit_orders"
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = False

    column_list = ("starts_at", "ends_at", "all_day", "title", "order", "author", "ics")
    column_labels = {
        "starts_at": "Start",
        "ends_at": "End",
        "all_day": "All-day",
        "order": "Order",
        "author": "Created By",
        "ics": "Download",
    }
    column_sortable_list = ("starts_at", "ends_at", "title")
    column_default_sort = ("starts_at", False)
    column_formatters = {"starts_at": _when, "ends_at": _when, "order": _order_link, "ics": _ics_link}
    column_filters = (
        filters.DateTimeGreaterFilter(CalendarEvent.starts_at, "Start"),
        filters.DateTimeSmallerFilter(CalendarEvent.starts_at, "Start"),
    )
    column_searchable_list = ("title",)

    def get_query(self) -> Any:
        return (
            super()
            .get_query()
            .where(upcoming_events_condition())
            .options(joinedload(CalendarEvent.order), joinedload(CalendarEvent.author))
        )

    def get_count_query(self) -> Any:
        return super().get_count_query().where(upcoming_events_condition())

    @expose("/ics/")
    def ics_view(self) -> Any:
        raw = request.args.get("id", "")
        event_id = parse_id(raw)
        event = db.session.get(CalendarEvent, event_id) if event_id is not None else None
        if event is None:
            abort(404)
        return ics_response(event)


def calendar_views() -> list[SecuredModelView]:
    return [
        CalendarEventView(
            CalendarEvent, name="Calendar Events", category="Activities", endpoint="calendar_events"
        )
    ]
