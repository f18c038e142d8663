"""/api/v1/orders/{id}/attachments: files uploaded as multipart/form-data through the Attach
File form's checks (size, allowed type judged by content), listed, downloaded as uploaded, and
deleted with their stored file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from models import Attachment, Order, db
from tests.factories import make_order
from tests.functional.api.order_parts import count, problem

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


@pytest.fixture
def uploads(app: Flask, tmp_path: Path) -> Path:
    """The test's own upload folder; uploads up to 1 MB, requests up to 2 MB."""
    folder = tmp_path / "uploads"
    app.config.update(ORDERDESK_UPLOAD_DIR=str(folder), ORDERDESK_MAX_UPLOAD_MB=1, MAX_CONTENT_LENGTH=2 << 20)
    return folder


@pytest.fixture
def order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


def _stored(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _multipart(*parts: tuple[str, str | None, bytes]) -> tuple[bytes, str]:
    """A multipart/form-data body of (name, filename or None, bytes) parts, built in memory
    (the test client would spool a large file to a temporary file it never closes)."""
    boundary = "od-test-boundary"
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _post(client: Any, order_id: int, *parts: tuple[str, str | None, bytes]) -> Any:
    body, content_type = _multipart(*parts)
    return client.post(f"/api/v1/orders/{order_id}/attachments", data=body, content_type=content_type)


def _upload(client: Any, order_id: int, data: bytes, name: str, comment: str | None = None) -> Any:
    comment_part = [("comment", None, comment.encode())] if comment is not None else []
    return _post(client, order_id, ("file", name, data), *comment_part)


def _attached(api_as: Any, order: Order) -> dict[str, Any]:
    response = _upload(api_as("sales"), order.id, PDF, "quote.pdf")
    assert response.status_code == 201, response.get_data(as_text=True)
    return dict(response.get_json())


def test_a_file_is_uploaded_listed_downloaded_as_sent_and_deleted(api_as, order, uploads):
    client = api_as("sales")

    # When a PDF is uploaded with a comment
    response = _upload(client, order.id, PDF, "quote.pdf", comment="Signed quote")

    # Then it is kept under a generated name and described
    assert response.status_code == 201, response.get_data(as_text=True)
    made = response.get_json()
    assert (made["original_name"], made["content_type"], made["size"]) == (
        "quote.pdf",
        "application/pdf",
        len(PDF),
    )
    assert made["comment"] == "Signed quote" and made["author"]["email"] == "sales@example.com"
    assert [p.name for p in _stored(uploads)] != ["quote.pdf"] and len(_stored(uploads)) == 1
    assert client.get(response.headers["Location"]).get_json() == made
    # and it is listed, and downloaded with the same bytes, as a download
    listed = api_as("viewer").get(f"/api/v1/orders/{order.id}/attachments").get_json()
    assert [a["id"] for a in listed["items"]] == [made["id"]]
    download = api_as("viewer").get(f"/api/v1/orders/{order.id}/attachments/{made['id']}/content")
    assert download.status_code == 200
    assert download.get_data() == PDF and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"] == "attachment; filename=quote.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    # When its author deletes it, then the row and the file are gone
    assert client.delete(f"/api/v1/orders/{order.id}/attachments/{made['id']}").status_code == 204
    assert count(Attachment) == 0 and _stored(uploads) == []
    assert client.get(f"/api/v1/orders/{order.id}/attachments").get_json()["items"] == []


def test_an_image_keeps_its_content_type(api_as, order, uploads):
    made = _upload(api_as("sales"), order.id, PNG, "label.png").get_json()

    download = api_as("sales").get(f"/api/v1/orders/{order.id}/attachments/{made['id']}/content")

    assert download.mimetype == "image/png" and download.get_data() == PNG


@pytest.mark.parametrize(
    ("data", "name", "detail"),
    [
        (b"", "empty.pdf", "The file is empty."),
        (b"MZ\x90\x00", "tool.exe", "This type of file is not allowed"),
        (PNG, "quote.pdf", "The file's content does not match a .pdf file."),
        (b"a" * ((1 << 20) + 1), "big.txt", "The file is too large: at most 1 MB."),
    ],
    ids=["empty", "type not allowed", "content not its type", "over the limit"],
)
def test_a_file_the_checks_refuse_is_not_kept(api_as, order, uploads, data, name, detail):
    response = _upload(api_as("sales"), order.id, data, name)

    assert problem(response, 422, "validation_failed")["detail"].startswith(detail)
    assert count(Attachment) == 0 and _stored(uploads) == []


def test_a_comment_too_long_is_refused_and_no_file_is_kept(api_as, order, uploads):
    response = _upload(api_as("sales"), order.id, PDF, "quote.pdf", comment="x" * 5_001)

    assert problem(response, 422, "validation_failed")["errors"] == {"comment": ["The comment is too long."]}
    assert count(Attachment) == 0 and _stored(uploads) == []


@pytest.mark.parametrize(
    "parts",
    [
        [("comment", None, b"no file")],
        [("file", None, PDF)],
        [("file", "quote.pdf", PDF), ("pages", None, b"2")],
    ],
    ids=["no file", "a plain field", "an unknown field"],
)
def test_an_upload_without_its_file_part_is_refused(api_as, order, uploads, parts):
    problem(_post(api_as("sales"), order.id, *parts), 422)
    assert count(Attachment) == 0 and _stored(uploads) == []


def test_an_upload_sent_as_json_is_refused(api_as, order, uploads):
    response = api_as("sales").post(f"/api/v1/orders/{order.id}/attachments", json={"file": "JVBERi0="})

    problem(response, 422)
    assert count(Attachment) == 0 and _stored(uploads) == []


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(api_as, order, uploads):
    response = _upload(api_as("sales"), order.id, b"a" * (3 << 20), "big.txt")

    problem(response, 413)
    assert count(Attachment) == 0 and _stored(uploads) == []


def test_a_viewer_may_download_but_not_upload(api_as, order, uploads):
    made = _attached(api_as, order)
    client = api_as("viewer")

    problem(_upload(client, order.id, PDF, "mine.pdf"), 403, "permission_denied")
    assert count(Attachment) == 1 and len(_stored(uploads)) == 1
    assert client.get(f"/api/v1/orders/{order.id}/attachments/{made['id']}/content").get_data() == PDF


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_only_its_author_or_an_admin_may_delete_an_attachment(api_as, order, uploads, role):
    made = _attached(api_as, order)

    response = api_as(role).delete(f"/api/v1/orders/{order.id}/attachments/{made['id']}")

    problem(response, 403, "permission_denied")
    assert count(Attachment) == 1 and len(_stored(uploads)) == 1


def test_an_admin_may_delete_anyones_attachment(api_as, order, uploads):
    made = _attached(api_as, order)

    assert api_as("admin").delete(f"/api/v1/orders/{order.id}/attachments/{made['id']}").status_code == 204
    assert count(Attachment) == 0 and _stored(uploads) == []


def test_an_attachment_whose_file_is_gone_is_a_404_with_why(api_as, order, uploads):
    made = _attached(api_as, order)
    for path in _stored(uploads):
        path.unlink()

    response = api_as("viewer").get(f"/api/v1/orders/{order.id}/attachments/{made['id']}/content")

    assert problem(response, 404, "not_found")["detail"] == "The file of quote.pdf is missing."


def test_an_attachment_of_another_order_or_of_a_missing_order_is_a_404(
    api_as, order, uploads, catalog, users
):
    made = _attached(api_as, order)
    other = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = api_as("sales")

    problem(client.get(f"/api/v1/orders/{other.id}/attachments/{made['id']}/content"), 404, "not_found")
    problem(client.delete(f"/api/v1/orders/{other.id}/attachments/{made['id']}"), 404, "not_found")
    problem(_upload(client, 999, PDF, "quote.pdf"), 404, "not_found")
    assert count(Attachment) == 1 and len(_stored(uploads)) == 1
