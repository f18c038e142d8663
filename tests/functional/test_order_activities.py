"""Notes, attachments and events on the order page: who may add and change them, uploads
checked by size and content, downloads only for logged-in users, the timeline and its filter,
and Activities > Calendar Events."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from models import Attachment, CalendarEvent, Note, Order, db, utcnow
from tests.factories import make_order

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


@pytest.fixture
def uploads(app: Flask, tmp_path: Path) -> Path:
    folder = tmp_path / "uploads"
    app.config.update(ORDERDESK_UPLOAD_DIR=str(folder), ORDERDESK_MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=2 << 20)
    return folder


@pytest.fixture
def order(catalog, users) -> Any:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


def _upload(client: Any, order: Any, data: bytes, name: str, comment: str = "") -> Any:
    return client.post(
        f"/admin/orders/activities/attachment/?id={order.id}",
        data={"file": (BytesIO(data), name), "comment": comment},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _big_upload(client: Any, order: Any, data: bytes, name: str) -> Any:
    """Post a large file as one in-memory body (the test client would spool it to a temporary
    file that it never closes, which warnings-as-errors turns into a failure)."""
    boundary = "od-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"'
            "\r\nContent-Type: text/plain\r\n\r\n"
        ).encode()
        + data
        + (f"\r\n--{boundary}--\r\n").encode()
    )
    return client.post(
        f"/admin/orders/activities/attachment/?id={order.id}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        follow_redirects=True,
    )


# ---- notes ----


def test_a_sales_user_adds_a_note_that_is_shown_escaped_in_the_timeline(login_as, order):
    client = login_as("sales")

    response = client.post(
        f"/admin/orders/activities/note/?id={order.id}",
        data={"body": "Call <script>alert(1)</script> back"},
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert "The note was added." in html
    assert "Call &lt;script&gt;alert(1)&lt;/script&gt; back" in html
    assert "<script>alert(1)</script>" not in html
    note = db.session.scalars(select(Note)).one()
    assert note.author.email == "sales@example.com"
    assert "Sales User" in html  # who


def test_a_viewer_sees_no_activity_buttons_and_cannot_add_a_note(login_as, order):
    client = login_as("viewer")

    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    client.post(f"/admin/orders/activities/note/?id={order.id}", data={"body": "hi"})

    assert "Add Note" not in page and "Send Email" not in page
    assert db.session.scalars(select(Note)).all() == []


def test_only_the_author_or_an_admin_may_edit_or_delete_a_note(client, login_as, users, order):
    # Given a note by the sales user
    login_as("sales").post(f"/admin/orders/activities/note/?id={order.id}", data={"body": "v1"})
    note = db.session.scalars(select(Note)).one()
    client.post("/logout")

    # When a manager tries to edit and delete it, nothing changes
    login_as("manager")
    client.post(f"/admin/orders/activities/note/edit/?note={note.id}", data={"body": "hacked"})
    client.post("/admin/orders/activities/note/delete/", data={"note": note.id})
    db.session.expire_all()
    assert db.session.get(Note, note.id).body == "v1"
    client.post("/logout")

    # When an admin edits it, then deletes it, both happen
    login_as("admin")
    client.post(f"/admin/orders/activities/note/edit/?note={note.id}", data={"body": "v2"})
    db.session.expire_all()
    assert db.session.get(Note, note.id).body == "v2"
    client.post("/admin/orders/activities/note/delete/", data={"note": note.id})
    db.session.expire_all()
    assert db.session.get(Note, note.id) is None


def test_notes_can_be_added_to_a_closed_order(login_as, closed_order):
    login_as("sales").post(
        f"/admin/orders/activities/note/?id={closed_order.id}", data={"body": "Closed but noted"}
    )

    assert db.session.scalars(select(Note.body)).all() == ["Closed but noted"]


# ---- attachments ----


def test_an_attachment_is_stored_under_a_generated_name_and_downloaded_as_an_attachment(
    client, login_as, order, uploads
):
    response = _upload(login_as("sales"), order, PDF, "../../etc/passwd.pdf", "signed PO")

    assert "The file was attached." in response.get_data(as_text=True)
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.original_name == "passwd.pdf"
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert [p.name for p in uploads.iterdir()] == [attachment.stored_name]
    assert (uploads / attachment.stored_name).read_bytes() == PDF

    download = client.get(f"/admin/orders/activities/attachment/download/?attachment={attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "passwd.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"
    download.close()


def test_an_anonymous_visitor_cannot_download_an_attachment(client, login_as, order, uploads):
    _upload(login_as("sales"), order, PDF, "po.pdf")
    attachment = db.session.scalars(select(Attachment)).one()
    client.post("/logout")

    response = client.get(f"/admin/orders/activities/attachment/download/?attachment={attachment.id}")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_downloading_an_attachment_whose_file_is_gone_says_so_on_the_order_page(login_as, order, uploads):
    # Given an attachment whose file has been removed from the upload folder
    client = login_as("sales")
    _upload(client, order, PDF, "po.pdf")
    attachment = db.session.scalars(select(Attachment)).one()
    (uploads / attachment.stored_name).unlink()

    # When it is downloaded
    response = client.get(
        f"/admin/orders/activities/attachment/download/?attachment={attachment.id}", follow_redirects=True
    )

    # Then the order page says which file is missing
    assert response.status_code == 200 and response.request.path == "/admin/orders/details/"
    assert "The file of po.pdf is missing." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.exe", b"MZ\x90\x00", "This type of file is not allowed"),
        ("fake.pdf", b"<html><script>alert(1)</script></html>", "does not match a .pdf file"),
        ("photo.png", PDF, "does not match a .png file"),
        ("notes.txt", b"\x00\x01binary", "does not match a .txt file"),
        ("empty.txt", b"", "The file is empty"),
    ],
)
def test_files_of_the_wrong_type_or_content_are_refused(login_as, order, uploads, name, data, message):
    response = _upload(login_as("sales"), order, data, name)

    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Attachment)).all() == []
    assert not uploads.exists() or list(uploads.iterdir()) == []


def test_a_file_name_with_angle_brackets_is_kept_and_shown_escaped(login_as, order, uploads):
    for name, data in (("<img src=x onerror=alert(1)>.png", PNG), ("<script>.pdf", PDF)):
        html = _upload(login_as("sales"), order, data, name).get_data(as_text=True)
        assert name.replace("<", "&lt;").replace(">", "&gt;") in html
        assert name not in html


def test_a_file_just_over_the_limit_is_refused_with_the_limit(login_as, order, uploads):
    big = b"a" * ((1 << 20) + 10)  # 1 MB limit in this test

    response = _big_upload(login_as("sales"), order, big, "big.txt")

    assert "The file is too large: at most 1 MB." in response.get_data(as_text=True)
    assert db.session.scalars(select(Attachment)).all() == []


def test_a_file_far_over_the_limit_gets_a_message_not_a_crash(login_as, order, uploads):
    huge = b"a" * (3 << 20)  # above MAX_CONTENT_LENGTH: cut off before the view

    response = _big_upload(login_as("sales"), order, huge, "huge.txt")

    assert response.status_code == 200
    assert "The file is too large: at most 1 MB." in response.get_data(as_text=True)
    assert db.session.scalars(select(Attachment)).all() == []


def test_deleting_an_attachment_removes_its_row_and_its_file(login_as, order, uploads):
    client = login_as("sales")
    _upload(client, order, PDF, "po.pdf")
    attachment = db.session.scalars(select(Attachment)).one()

    client.post("/admin/orders/activities/attachment/delete/", data={"attachment": attachment.id})

    db.session.expire_all()
    assert db.session.scalars(select(Attachment)).all() == []
    assert list(uploads.iterdir()) == []


# ---- events ----


def test_an_event_ending_before_it_starts_is_refused(login_as, order):
    response = login_as("sales").post(
        f"/admin/orders/activities/event/?id={order.id}",
        data={"title": "Delivery", "starts_at": "2031-05-02T10:00", "ends_at": "2031-05-02T09:00"},
    )

    assert "The event cannot end before it starts." in response.get_data(as_text=True)
    assert db.session.scalars(select(CalendarEvent)).all() == []


def test_an_event_is_listed_in_calendar_events_and_downloads_as_ics(login_as, order):
    client = login_as("sales")
    start = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    client.post(
        f"/admin/orders/activities/event/?id={order.id}",
        data={
            "title": "Delivery call, confirm dock",
            "description": "Bring; the forms",
            "starts_at": f"{start:%Y-%m-%dT%H:%M}",
            "ends_at": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
        },
    )
    event = db.session.scalars(select(CalendarEvent)).one()

    listing = client.get("/admin/calendar_events/").get_data(as_text=True)
    assert "Delivery call, confirm dock" in listing
    assert f"/admin/orders/details/?id={order.id}" in listing and order.identifier in listing

    ics = client.get(f"/admin/orders/activities/event/ics/?event={event.id}")
    assert ics.mimetype == "text/calendar"
    assert ics.headers["Content-Disposition"] == f'attachment; filename="event-{event.id}.ics"'
    text = ics.get_data(as_text=True)
    assert "BEGIN:VEVENT" in text and "SUMMARY:Delivery call\\, confirm dock" in text
    assert f"DTSTART:{start:%Y%m%dT%H%M}00Z" in text
    assert client.get(f"/admin/calendar_events/ics/?id={event.id}").data == ics.data


def test_past_events_are_not_in_the_upcoming_list(login_as, order, users):
    past = utcnow() - timedelta(days=5)
    db.session.add(
        CalendarEvent(
            order_id=order.id,
            author_id=users["sales"].id,
            title="Old call",
            starts_at=past,
            ends_at=past + timedelta(hours=1),
        )
    )
    db.session.commit()

    listing = login_as("viewer").get("/admin/calendar_events/").get_data(as_text=True)

    assert "Old call" not in listing


# ---- timeline ----


def test_the_timeline_is_newest_first_and_filters_by_type(login_as, order, uploads):
    client = login_as("sales")
    client.post(f"/admin/orders/activities/note/?id={order.id}", data={"body": "First note"})
    _upload(client, order, PNG, "label.png")
    client.post(f"/admin/orders/activities/note/?id={order.id}", data={"body": "Second note"})
    client.post("/logout")
    login_as("manager").post("/admin/orders/transition/", data={"id": order.id, "transition": "cancel"})

    everything = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    timeline = everything.split('id="activity-timeline"')[1].split("</ul>")[0]
    assert (
        timeline.index("Cancel")
        < timeline.index("Second note")
        < timeline.index("label.png")
        < timeline.index("First note")
    )

    notes = client.get(f"/admin/orders/details/?id={order.id}&activity=note").get_data(as_text=True)
    notes = notes.split('id="activity-timeline"')[1].split("</ul>")[0]
    assert "First note" in notes and "label.png" not in notes and "Cancel" not in notes

    status = (
        client.get(f"/admin/orders/details/?id={order.id}&activity=status")
        .get_data(as_text=True)
        .split('id="activity-timeline"')[1]
        .split("</ul>")[0]
    )
    assert "Internal Status: Open → Cancelled" in status and "First note" not in status


def test_deleting_an_order_removes_its_attachment_files_after_the_commit(login_as, order, uploads, users):
    # Given an order with an uploaded attachment
    sales = login_as("sales")
    _upload(sales, order, PDF, "po.pdf")
    assert len(list(uploads.iterdir())) == 1
    sales.post("/logout")
    manager = login_as("manager")

    # When a manager deletes the order
    response = manager.post("/admin/orders/delete/", data={"id": str(order.id)})

    # Then the order, its attachment row and its file are gone
    assert response.status_code == 302
    assert db.session.get(Order, order.id) is None
    assert db.session.query(Attachment).count() == 0
    assert list(uploads.iterdir()) == []


def test_bulk_deleting_orders_removes_their_attachment_files(login_as, order, uploads):
    sales = login_as("sales")
    _upload(sales, order, PDF, "po.pdf")
    sales.post("/logout")
    manager = login_as("manager")
    order_id = order.id
    manager.post("/admin/orders/action/", data={"action": "delete", "rowid": [str(order_id)]})
    db.session.expire_all()
    assert db.session.get(Order, order_id) is None
    assert list(uploads.iterdir()) == []


def test_an_event_is_edited_and_deleted_from_the_order_page(login_as, order):
    client = login_as("sales")
    start = (utcnow() + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    times = {
        "starts_at": f"{start:%Y-%m-%dT%H:%M}",
        "ends_at": f"{start + timedelta(hours=1):%Y-%m-%dT%H:%M}",
    }
    client.post(f"/admin/orders/activities/event/?id={order.id}", data={"title": "Call", **times})
    event = db.session.scalars(select(CalendarEvent)).one()

    # A refused edit keeps what was typed and changes nothing
    refused = client.post(
        f"/admin/orders/activities/event/edit/?event={event.id}", data={"title": "", **times}
    ).get_data(as_text=True)
    assert "The event needs a title." in refused
    db.session.expire_all()
    assert db.session.get(CalendarEvent, event.id).title == "Call"

    # An edit saves and returns to the order
    later = start + timedelta(days=1)
    saved = client.post(
        f"/admin/orders/activities/event/edit/?event={event.id}",
        data={
            "title": "Call again",
            "starts_at": f"{later:%Y-%m-%dT%H:%M}",
            "ends_at": f"{later + timedelta(hours=2):%Y-%m-%dT%H:%M}",
        },
    )
    assert saved.status_code == 302 and f"id={order.id}" in saved.headers["Location"]
    db.session.expire_all()
    edited = db.session.get(CalendarEvent, event.id)
    assert (edited.title, edited.starts_at, edited.ends_at) == (
        "Call again",
        later,
        later + timedelta(hours=2),
    )

    # Delete removes it
    client.post("/admin/orders/activities/event/delete/", data={"event": str(event.id)})
    assert db.session.scalars(select(CalendarEvent)).all() == []
