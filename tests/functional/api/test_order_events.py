"""/api/v1/orders/{id}/events: an order's calendar events, with times in UTC (ISO 8601),
all-day events as whole days, changed or deleted by their author or an admin."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from actions.activities import EventData, add_event
from models import CalendarEvent, Order, db
from tests.factories import make_order
from tests.functional.api.order_parts import count, problem


@pytest.fixture
def order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


@pytest.fixture
def event(order: Order, users: dict[str, Any]) -> CalendarEvent:
    """The sales user's call with the buyer, 1 June 2030 09:00-09:30 UTC."""
    data = EventData(title="Call the buyer", starts_at="2030-06-01T09:00", ends_at="2030-06-01T09:30")
    made = add_event(db.session, order, data, actor=users["sales"])
    db.session.commit()
    return made


def _event(event_id: int) -> CalendarEvent:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(CalendarEvent, event_id)


def test_an_event_is_added_with_times_in_utc_and_read_back(api_as, order):
    client = api_as("sales")

    response = client.post(
        f"/api/v1/orders/{order.id}/events",
        json={
            "title": "Delivery window",
            "description": "Dock 4",
            "starts_at": "2030-06-01T10:00:00+02:00",
            "ends_at": "2030-06-01T12:00:00Z",
        },
    )

    assert response.status_code == 201, response.get_data(as_text=True)
    made = response.get_json()
    assert (made["title"], made["description"], made["all_day"]) == ("Delivery window", "Dock 4", False)
    assert datetime.fromisoformat(made["starts_at"]) == datetime(2030, 6, 1, 8, 0, tzinfo=UTC)
    assert datetime.fromisoformat(made["ends_at"]) == datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    assert client.get(response.headers["Location"]).get_json() == made


def test_an_all_day_event_keeps_whole_days(api_as, order):
    response = api_as("sales").post(
        f"/api/v1/orders/{order.id}/events",
        json={"title": "Trade fair", "starts_at": "2030-06-01", "ends_at": "2030-06-03", "all_day": True},
    )

    assert response.status_code == 201
    made = response.get_json()
    assert made["all_day"] is True
    assert datetime.fromisoformat(made["starts_at"]) == datetime(2030, 6, 1, tzinfo=UTC)
    assert datetime.fromisoformat(made["ends_at"]) == datetime(2030, 6, 3, tzinfo=UTC)


def test_events_are_listed_newest_first(api_as, order, event, users):
    later = EventData(title="Follow up", starts_at="2030-06-02T09:00", ends_at="2030-06-02T09:30")
    add_event(db.session, order, later, actor=users["sales"])
    db.session.commit()

    page = api_as("viewer").get(f"/api/v1/orders/{order.id}/events").get_json()

    assert [e["title"] for e in page["items"]] == ["Follow up", "Call the buyer"]
    assert page["next_cursor"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": " ", "starts_at": "2030-06-01T09:00", "ends_at": "2030-06-01T10:00"}, "validation_failed"),
        ({"title": "Call", "starts_at": "tomorrow", "ends_at": "2030-06-01T10:00"}, "validation_failed"),
        (
            {"title": "Call", "starts_at": "2030-06-01T10:00", "ends_at": "2030-06-01T09:00"},
            "validation_failed",
        ),
        ({"title": "Call", "starts_at": "2030-06-01T10:00"}, None),
        ({"title": "Call", "starts_at": "2030-06-01", "ends_at": "2030-06-01", "all_day": "often"}, None),
        ({"title": "Call", "starts_at": "2030-06-01", "ends_at": "2030-06-01", "zone": "CET"}, None),
    ],
    ids=["no title", "not a time", "ends before it starts", "no end", "not a boolean", "unknown field"],
)
def test_a_bad_event_is_refused_and_nothing_is_added(api_as, order, body, code):
    problem(api_as("sales").post(f"/api/v1/orders/{order.id}/events", json=body), 422, code)
    assert count(CalendarEvent) == 0


def test_a_viewer_may_not_add_an_event(api_as, order):
    body = {"title": "Call", "starts_at": "2030-06-01T09:00", "ends_at": "2030-06-01T10:00"}

    problem(api_as("viewer").post(f"/api/v1/orders/{order.id}/events", json=body), 403, "permission_denied")
    assert count(CalendarEvent) == 0


def test_the_author_moves_an_event_keeping_what_is_not_named_then_deletes_it(api_as, order, event):
    client = api_as("sales")
    url = f"/api/v1/orders/{order.id}/events/{event.id}"

    moved = client.patch(url, json={"starts_at": "2030-06-01T11:00", "ends_at": "2030-06-01T11:30"})

    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.get_json()["title"] == "Call the buyer"
    assert _event(event.id).starts_at == datetime(2030, 6, 1, 11, 0, tzinfo=UTC)
    assert client.delete(url).status_code == 204
    assert count(CalendarEvent) == 0


def test_a_bad_change_leaves_the_event_as_it_was(api_as, order, event):
    response = api_as("sales").patch(
        f"/api/v1/orders/{order.id}/events/{event.id}", json={"ends_at": "2030-05-01T09:00"}
    )

    problem(response, 422, "validation_failed")
    assert _event(event.id).ends_at == datetime(2030, 6, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_only_its_author_or_an_admin_may_change_an_event(api_as, order, event, role):
    client = api_as(role)
    url = f"/api/v1/orders/{order.id}/events/{event.id}"

    problem(client.patch(url, json={"title": "Mine"}), 403, "permission_denied")
    problem(client.delete(url), 403, "permission_denied")

    assert _event(event.id).title == "Call the buyer"


def test_an_admin_may_delete_anyones_event(api_as, order, event):
    assert api_as("admin").delete(f"/api/v1/orders/{order.id}/events/{event.id}").status_code == 204
    assert count(CalendarEvent) == 0


def test_an_event_of_another_order_or_of_a_missing_order_is_a_404(api_as, order, event, catalog, users):
    other = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = api_as("sales")

    problem(
        client.patch(f"/api/v1/orders/{other.id}/events/{event.id}", json={"title": "x"}), 404, "not_found"
    )
    problem(client.get("/api/v1/orders/999/events"), 404, "not_found")
    assert _event(event.id).title == "Call the buyer"
