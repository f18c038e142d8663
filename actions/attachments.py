"""Files attached to an order: checked by size and by content, stored under generated names.

The user's file name is only ever shown (and offered as the download name); it never becomes
part of a path. Stored files live flat in the upload directory, outside any served folder.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from pathlib import Path

import filetype
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.activities import ACTIVITY_PERMISSION, require_modify
from actions.errors import ValidationFailed
from actions.permissions import require_permission
from models import Attachment, Order, User

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
    upload_dir: str | Path,
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

    folder = Path(upload_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    path.write_bytes(data)
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
        path.unlink(missing_ok=True)
        raise
    return attachment


def stored_path(upload_dir: str | Path, attachment: Attachment) -> Path:
    """Return where an attachment's bytes are.

    Raises: ValidationFailed when the stored name is not one this module generates.
    """
    if not _STORED_NAME.match(attachment.stored_name or ""):
        raise ValidationFailed("The attachment's file is not available.")
    return Path(upload_dir) / attachment.stored_name


def read_attachment(upload_dir: str | Path, attachment: Attachment) -> bytes:
    """Return an attachment's bytes. Raises: ValidationFailed when the file is missing."""
    path = stored_path(upload_dir, attachment)
    if not path.is_file():
        raise ValidationFailed(f"The file of {attachment.original_name} is missing.")
    return path.read_bytes()


def delete_attachment(
    session: Session, attachment: Attachment, *, actor: User, upload_dir: str | Path
) -> Path:
    """Delete an attachment's row; return its file's path for the caller to remove after
    the commit (so a rolled-back delete never loses the file).

    Raises: PermissionDenied unless the actor is its author or an admin.
    """
    require_modify(actor, attachment)
    path = stored_path(upload_dir, attachment)
    session.delete(attachment)
    session.flush()
    return path


def attachment_files(session: Session, order: Order, upload_dir: str | Path) -> list[Path]:
    """The stored files of an order's attachments (their rows go with the order)."""
    rows = session.scalars(select(Attachment).where(Attachment.order_id == order.id))
    return [stored_path(upload_dir, attachment) for attachment in rows]


def remove_stored_file(path: Path) -> None:
    """Remove a deleted attachment's file (after the commit); a missing file is fine."""
    path.unlink(missing_ok=True)
