"""Files attached to an order: checked by size and by content, stored under generated names.

The user's file name is only ever shown (and offered as the download name); it never becomes
part of a key. Stored files live flat at the root of the storage (a folder outside any served
one, or an S3 prefix).
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from typing import IO

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.activities import ACTIVITY_PERMISSION, require_modify
from actions.errors import ValidationFailed
from actions.permissions import require_permission
from models import Attachment, Order, User
from models.storage import Storage

DEFAULT_MAX_MB = 10
MAX_COMMENT_LENGTH = 5_000

# SPEC §6 allow-list: extension -> the content type the file's bytes must show.
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "txt": "text/plain",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "zip": "application/zip",
}
ALLOWED_LABEL = "PDF, PNG, JPEG, GIF, TXT, CSV, XLSX, DOCX or ZIP"
# The part an Office Open XML package must contain to be that kind of document.
_OFFICE_PARTS = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


def display_name(raw: str | None) -> str:
    """Reduce an uploaded file name to a harmless one to show: no folders, no control chars."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot else name[:200]
    return name or "file"


def _extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_office(data: bytes, part: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return part in archive.namelist()
    except (zipfile.BadZipFile, ValueError):
        return False


def detect_content_type(data: bytes, name: str) -> str:
    """Return the allowed content type of a file, judged by its bytes and its extension.

    Raises: ValidationFailed when the type is not allowed or the bytes contradict the name.
    """
    ext = _extension(name)
    if ext not in ALLOWED_TYPES:
        raise ValidationFailed(
            f"This type of file is not allowed; attach a {ALLOWED_LABEL} file.", field="file"
        )
    expected = ALLOWED_TYPES[ext]
    guessed = filetype.guess(data)
    if ext in ("txt", "csv"):
        ok = guessed is None and _is_text(data)
    elif ext in _OFFICE_PARTS:
        ok = data[:4] == b"PK\x03\x04" and _is_office(data, _OFFICE_PARTS[ext])
    elif ext == "zip":
        ok = data[:4] in (b"PK\x03\x04", b"PK\x05\x06") and guessed is not None
    else:
        ok = guessed is not None and guessed.mime == expected
    if not ok:
        raise ValidationFailed(f"The file's content does not match a .{ext} file.", field="file")
    return expected


def _checked_comment(comment: str | None) -> str | None:
    text = (comment or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_COMMENT_LENGTH:
        raise ValidationFailed("The comment is too long.", field="comment")
    return text or None


def add_attachment(
    session: Session,
    order: Order,
    *,
    filename: str | None,
    data: bytes,
    comment: str | None,
    actor: User,
    storage: Storage,
    max_mb: int = DEFAULT_MAX_MB,
) -> Attachment:
    """Check an uploaded file, store it under a generated name and attach it to the order.

    Raises: PermissionDenied; ValidationFailed (no file, empty, too large, type not allowed).
    """
    require_permission(actor, ACTIVITY_PERMISSION)
    if filename is None or (not filename.strip() and not data):
        raise ValidationFailed("Choose a file to attach.", field="file")
    if not data:
        raise ValidationFailed("The file is empty.", field="file")
    if len(data) > max_mb * 1024 * 1024:
        raise ValidationFailed(f"The file is too large: at most {max_mb} MB.", field="file")
    name = display_name(filename)
    content_type = detect_content_type(data, name)
    text = _checked_comment(comment)

    stored_name = secrets.token_hex(16)
    storage.write(stored_name, data)
    attachment = Attachment(
        order_id=order.id,
        author_id=actor.id,
        original_name=name,
        stored_name=stored_name,
        content_type=content_type,
        size=len(data),
        comment=text,
    )
    session.add(attachment)
    try:
        session.flush()
    except Exception:
        storage.delete(stored_name)
        raise
    return attachment


def stored_key(attachment: Attachment) -> str:
    """Return the key of an attachment's bytes in the storage.

    Raises: ValidationFailed when the stored name is not one this module generates.
    """
    if not _STORED_NAME.match(attachment.stored_name or ""):
        raise ValidationFailed("The attachment's file is not available.")
    return attachment.stored_name


def _missing(attachment: Attachment) -> ValidationFailed:
    return ValidationFailed(f"The file of {attachment.original_name} is missing.")


def read_attachment(storage: Storage, attachment: Attachment) -> bytes:
    """Return an attachment's bytes. Raises: ValidationFailed when the file is missing."""
    try:
        return storage.read(stored_key(attachment))
    except FileNotFoundError:
        raise _missing(attachment) from None


def open_attachment(storage: Storage, attachment: Attachment) -> IO[bytes]:
    """Open an attachment's bytes to stream them out a block at a time.

    Raises: ValidationFailed when the file is missing.
    """
    try:
        return storage.open(stored_key(attachment))
    except FileNotFoundError:
        raise _missing(attachment) from None


def delete_attachment(session: Session, attachment: Attachment, *, actor: User) -> str:
    """Delete an attachment's row; return its file's key for the caller to remove after the
    commit (so a rolled-back delete never loses the file).

    Raises: PermissionDenied unless the actor is its author or an admin.
    """
    require_modify(actor, attachment)
    key = stored_key(attachment)
    session.delete(attachment)
    session.flush()
    return key


def attachment_files(session: Session, order: Order) -> list[str]:
    """The keys of an order's attachment files (their rows go with the order)."""
    rows = session.scalars(select(Attachment).where(Attachment.order_id == order.id))
    return [stored_key(attachment) for attachment in rows]
