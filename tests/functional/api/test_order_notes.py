"""/api/v1/orders/{id}/notes: an order's notes, added by anyone who may edit orders (in any
status), changed or deleted by their author or an admin, read by anyone who may view orders."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from actions.activities import add_note
from models import Note, Order, db
from tests.factories import make_order, order_in_status
from tests.functional.api.order_parts import count, problem


@pytest.fixture
def order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


@pytest.fixture
def note(order: Order, users: dict[str, Any]) -> Note:
    """A note the sales user wrote."""
    made = add_note(db.session, order, "Call the buyer on Monday", actor=users["sales"])
    db.session.commit()
    return made


def _body(note_id: int) -> str:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Note, note_id).body


def test_a_sales_user_adds_a_note_and_reads_it_back(api_as, order):
    client = api_as("sales")

    response = client.post(f"/api/v1/orders/{order.id}/notes", json={"body": "  Ring back <b>today</b>  "})

    assert response.status_code == 201, response.get_data(as_text=True)
    made = response.get_json()
    assert made["body"] == "Ring back <b>today</b>"
    assert made["author"]["email"] == "sales@example.com"
    assert response.headers["Location"].endswith(f"/api/v1/orders/{order.id}/notes/{made['id']}")
    assert client.get(response.headers["Location"]).get_json() == made


def test_notes_are_listed_newest_first_a_page_at_a_time(api_as, order, users):
    for text in ("first", "second", "third"):
        add_note(db.session, order, text, actor=users["sales"])
    db.session.commit()
    client = api_as("viewer")

    page = client.get(f"/api/v1/orders/{order.id}/notes?limit=2").get_json()
    rest = client.get(f"/api/v1/orders/{order.id}/notes?limit=2&cursor={page['next_cursor']}").get_json()

    assert [n["body"] for n in page["items"]] == ["third", "second"]
    assert [n["body"] for n in rest["items"]] == ["first"] and rest["next_cursor"] is None


@pytest.mark.parametrize(
    "cursor",
    ["nonsense", base64.urlsafe_b64encode(b'["x"]').decode(), base64.urlsafe_b64encode(b"[99e99]").decode()],
    ids=["not base64 json", "not an id", "not an integer"],
)
def test_a_cursor_this_api_did_not_give_is_refused(api_as, order, cursor):
    problem(api_as("viewer").get(f"/api/v1/orders/{order.id}/notes?cursor={cursor}"), 422)


def test_an_unknown_query_argument_is_refused(api_as, order):
    problem(api_as("viewer").get(f"/api/v1/orders/{order.id}/notes?author=me"), 422)


def test_a_note_can_be_added_to_a_closed_order(api_as, catalog, users):
    closed = order_in_status(db.session, catalog, "closed", actor=users["manager"])
    db.session.commit()

    response = api_as("sales").post(f"/api/v1/orders/{closed.id}/notes", json={"body": "Invoice sent"})

    assert response.status_code == 201 and count(Note, order_id=closed.id) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"body": "   "}, "validation_failed"),
        ({"body": "x" * 20_001}, "validation_failed"),
        ({}, None),
        ({"body": 5}, None),
        ({"body": "hi", "pinned": True}, None),
    ],
    ids=["blank", "too long", "no body", "not text", "unknown field"],
)
def test_a_bad_note_is_refused_and_nothing_is_added(api_as, order, body, code):
    problem(api_as("sales").post(f"/api/v1/orders/{order.id}/notes", json=body), 422, code)
    assert count(Note) == 0


def test_a_viewer_may_read_notes_but_not_add_one(api_as, order, note):
    client = api_as("viewer")

    assert client.get(f"/api/v1/orders/{order.id}/notes/{note.id}").status_code == 200
    problem(client.post(f"/api/v1/orders/{order.id}/notes", json={"body": "hi"}), 403, "permission_denied")
    assert count(Note) == 1


def test_the_author_edits_and_deletes_their_note(api_as, order, note):
    client = api_as("sales")
    url = f"/api/v1/orders/{order.id}/notes/{note.id}"

    edited = client.patch(url, json={"body": "Call on Tuesday"})
    assert edited.status_code == 200 and edited.get_json()["body"] == "Call on Tuesday"
    assert _body(note.id) == "Call on Tuesday"

    deleted = client.delete(url)
    assert deleted.status_code == 204 and count(Note) == 0


def test_an_admin_may_delete_anyones_note(api_as, order, note):
    assert api_as("admin").delete(f"/api/v1/orders/{order.id}/notes/{note.id}").status_code == 204
    assert count(Note) == 0


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_only_its_author_or_an_admin_may_change_a_note(api_as, order, note, role):
    client = api_as(role)
    url = f"/api/v1/orders/{order.id}/notes/{note.id}"

    refused = problem(client.patch(url, json={"body": "mine now"}), 403, "permission_denied")
    problem(client.delete(url), 403, "permission_denied")

    assert refused["detail"] == "Only its author or an administrator may change this."
    assert _body(note.id) == "Call the buyer on Monday"


def test_a_bad_edit_leaves_the_note_as_it_was(api_as, order, note):
    response = api_as("sales").patch(f"/api/v1/orders/{order.id}/notes/{note.id}", json={"body": ""})

    problem(response, 422, "validation_failed")
    assert _body(note.id) == "Call the buyer on Monday"


def test_a_note_of_another_order_or_a_missing_order_is_a_404(api_as, order, note, catalog, users):
    other = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = api_as("sales")

    problem(client.get(f"/api/v1/orders/{other.id}/notes/{note.id}"), 404, "not_found")
    problem(client.delete(f"/api/v1/orders/{other.id}/notes/{note.id}"), 404, "not_found")
    problem(client.get("/api/v1/orders/999/notes"), 404, "not_found")
    problem(client.post("/api/v1/orders/999/notes", json={"body": "hi"}), 404, "not_found")
    assert count(Note) == 1


def test_an_id_longer_than_any_record_id_is_a_404_not_an_error(api_as, order):
    client = api_as("sales")
    huge = 2**63

    problem(client.get(f"/api/v1/orders/{huge}/notes"), 404)
    problem(client.patch(f"/api/v1/orders/{order.id}/notes/{huge}", json={"body": "hi"}), 404)
    problem(client.delete(f"/api/v1/orders/{order.id}/special-discounts/{huge}"), 404)
