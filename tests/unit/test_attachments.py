"""Attachments: size and content-type checks, harmless names, generated storage names."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from actions.attachments import (
    add_attachment,
    delete_attachment,
    detect_content_type,
    display_name,
    open_attachment,
    read_attachment,
    stored_key,
)
from actions.errors import PermissionDenied, ValidationFailed
from models import Attachment
from models.storage import open_storage
from tests import factories

PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 16
GIF = b"GIF89a" + b"\x00" * 16


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def setup(session):
    users = factories.make_users(session)
    order = factories.make_order(session, factories.make_catalog(session), actor=users["sales"])
    session.flush()
    return users, order


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("a.pdf", PDF, "application/pdf"),
        ("a.PNG", PNG, "image/png"),
        ("a.jpg", JPEG, "image/jpeg"),
        ("a.jpeg", JPEG, "image/jpeg"),
        ("a.gif", GIF, "image/gif"),
        ("a.txt", "Grüße\n".encode(), "text/plain"),
        ("a.csv", b"sku,qty\nWID-1,2\n", "text/csv"),
        ("a.zip", _zip("readme.txt"), "application/zip"),
        (
            "a.docx",
            _zip("word/document.xml"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "a.xlsx",
            _zip("xl/workbook.xml"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_every_allowed_type_is_recognised_by_its_content(name, data, mime):
    assert detect_content_type(data, name) == mime


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("a.exe", b"MZ\x90\x00"),
        ("a.html", b"<html></html>"),
        ("a.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
        ("noextension", PDF),
        ("a.pdf", b"<script>alert(1)</script>"),
        ("a.png", JPEG),
        ("a.txt", PDF),  # a PDF renamed to .txt
        ("a.txt", b"\xff\xfe\x00binary"),
        ("a.docx", _zip("readme.txt")),  # a zip that is not a Word document
        ("a.xlsx", _zip("word/document.xml")),
    ],
)
def test_disallowed_types_and_contents_that_contradict_the_name_are_refused(name, data):
    with pytest.raises(ValidationFailed):
        detect_content_type(data, name)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("<script>.pdf", "<script>.pdf"),
        ("report\x00.pdf", "report.pdf"),
        ("..", "file"),
        ("", "file"),
        ("a" * 300 + ".pdf", "a" * 190 + ".pdf"),
    ],
)
def test_file_names_are_reduced_to_a_harmless_name_to_show(raw, shown):
    assert display_name(raw) == shown


def test_a_traversal_name_is_stored_under_a_generated_name_inside_the_upload_dir(session, setup, tmp_path):
    users, order = setup
    uploads = tmp_path / "uploads"

    attachment = add_attachment(
        session,
        order,
        filename="../../etc/passwd.pdf",
        data=PDF,
        comment=" PO ",
        actor=users["sales"],
        storage=open_storage(str(uploads)),
    )

    assert attachment.original_name == "passwd.pdf" and attachment.comment == "PO"
    assert len(attachment.stored_name) == 32 and "." not in attachment.stored_name
    assert list(uploads.iterdir()) == [uploads / attachment.stored_name]
    assert not (tmp_path / "etc").exists()
    assert read_attachment(open_storage(str(uploads)), attachment) == PDF


def test_the_size_limit_is_exact(session, setup, tmp_path, storage):
    users, order = setup
    limit = 1 << 20
    ok = add_attachment(
        session,
        order,
        filename="a.txt",
        data=b"a" * limit,
        comment=None,
        actor=users["sales"],
        storage=storage,
        max_mb=1,
    )
    assert ok.size == limit
    with pytest.raises(ValidationFailed, match="at most 1 MB"):
        add_attachment(
            session,
            order,
            filename="b.txt",
            data=b"a" * (limit + 1),
            comment=None,
            actor=users["sales"],
            storage=storage,
            max_mb=1,
        )
    assert session.scalar(select(func.count()).select_from(Attachment)) == 1
    assert len(list(tmp_path.iterdir())) == 1


def test_a_viewer_cannot_attach_and_nothing_is_written(session, setup, tmp_path, storage):
    users, order = setup
    with pytest.raises(PermissionDenied):
        add_attachment(
            session,
            order,
            filename="a.pdf",
            data=PDF,
            comment=None,
            actor=users["viewer"],
            storage=storage,
        )
    assert list(tmp_path.iterdir()) == []


def test_deleting_is_for_the_author_or_an_admin_and_leaves_the_file_until_the_caller_removes_it(
    session, setup, storage
):
    users, order = setup
    attachment = add_attachment(
        session, order, filename="a.pdf", data=PDF, comment=None, actor=users["sales"], storage=storage
    )
    with pytest.raises(PermissionDenied):
        delete_attachment(session, attachment, actor=users["manager"])

    key = delete_attachment(session, attachment, actor=users["admin"])

    assert key == attachment.stored_name and storage.exists(key)
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_stored_name_that_is_not_generated_is_never_turned_into_a_key():
    forged = Attachment(original_name="x", stored_name="../../etc/passwd", content_type="text/plain", size=1)
    with pytest.raises(ValidationFailed):
        stored_key(forged)


def test_an_attachment_whose_file_is_gone_is_named_when_it_is_read_or_opened(session, setup, storage):
    # Given an attachment whose file has been removed from the storage
    users, order = setup
    attachment = add_attachment(
        session, order, filename="po.pdf", data=PDF, comment=None, actor=users["sales"], storage=storage
    )
    storage.delete(attachment.stored_name)

    # When it is read, or opened for a download, then the message names the file
    with pytest.raises(ValidationFailed, match="The file of po.pdf is missing"):
        read_attachment(storage, attachment)
    with pytest.raises(ValidationFailed, match="The file of po.pdf is missing"):
        open_attachment(storage, attachment)
