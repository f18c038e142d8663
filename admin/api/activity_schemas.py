"""Notes, attachments, calendar events and emails as the API shows and takes them. Input
fields are those of the panel's forms; the actions check them (same words, answered as 422)."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

from actions.attachments import ALLOWED_LABEL
from admin.api.common import Schema
from admin.api.fields import RecordId
from admin.api.order_schemas import UserRef

F = ma.fields
MAX_TEXT = 100_000
MOMENT = {"description": "ISO 8601; a time without an offset is UTC. All-day events take a date."}


class Note(Schema):
    id = F.Integer()
    body = F.String()
    author = F.Nested(UserRef, allow_none=True)
    created_at = F.DateTime()
    updated_at = F.DateTime()


class NoteIn(Schema):
    body = F.String(required=True, validate=ma.validate.Length(max=MAX_TEXT))


class NotePage(Schema):
    items = F.List(F.Nested(Note))
    next_cursor = F.String(allow_none=True)


class Event(Schema):
    id = F.Integer()
    title = F.String()
    description = F.String(allow_none=True)
    starts_at = F.DateTime()
    ends_at = F.DateTime()
    all_day = F.Boolean()
    author = F.Nested(UserRef, allow_none=True)
    created_at = F.DateTime()
    updated_at = F.DateTime()


class EventIn(Schema):
    """A calendar event (the Add Event form's fields)."""

    title = F.String(required=True, validate=ma.validate.Length(max=MAX_TEXT))
    starts_at = F.String(required=True, validate=ma.validate.Length(max=64), metadata=MOMENT)
    ends_at = F.String(required=True, validate=ma.validate.Length(max=64), metadata=MOMENT)
    description = F.String(allow_none=True, validate=ma.validate.Length(max=MAX_TEXT))
    all_day = F.Boolean()


class EventUpdate(EventIn):
    """Loaded partial: every field may be left out."""


class EventPage(Schema):
    items = F.List(F.Nested(Event))
    next_cursor = F.String(allow_none=True)


class Attachment(Schema):
    id = F.Integer()
    original_name = F.String()
    content_type = F.String()
    size = F.Integer()
    comment = F.String(allow_none=True)
    author = F.Nested(UserRef, allow_none=True)
    created_at = F.DateTime()


class FilePart(Upload):  # type: ignore[misc]
    """A file part of a multipart body (a plain field of that name is refused)."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise ma.ValidationError("Send the file as a file part (filename given) of multipart/form-data.")
        return value


class AttachmentIn(Schema):
    """A multipart/form-data upload: the file, and a comment."""

    file = FilePart(required=True, metadata={"description": f"A {ALLOWED_LABEL} file."})
    comment = F.String(load_default="", validate=ma.validate.Length(max=MAX_TEXT))


class AttachmentPage(Schema):
    items = F.List(F.Nested(Attachment))
    next_cursor = F.String(allow_none=True)


class EmailFile(Schema):
    id = F.Integer()
    name = F.String()


class Email(Schema):
    id = F.Integer()
    to = F.String()
    cc = F.String(allow_none=True)
    subject = F.String()
    body = F.String()
    attachments = F.List(F.Nested(EmailFile))
    status = F.String(metadata={"description": "pending (queued), sent or failed"})
    error = F.String(allow_none=True)
    attempts = F.Integer()
    message_id = F.String(allow_none=True)
    author = F.Nested(UserRef, allow_none=True)
    created_at = F.DateTime()
    sent_at = F.DateTime(allow_none=True)


class EmailIn(Schema):
    """Send Email's fields; `to` defaults to the order's buyer, as on the form."""

    to = F.String(allow_none=True, load_default=None, validate=ma.validate.Length(max=MAX_TEXT))
    cc = F.String(load_default="", validate=ma.validate.Length(max=MAX_TEXT))
    subject = F.String(required=True, validate=ma.validate.Length(max=MAX_TEXT))
    body = F.String(required=True, validate=ma.validate.Length(max=MAX_TEXT))
    attachment_ids = F.List(
        RecordId(),
        load_default=list,
        validate=ma.validate.Length(max=50),
        metadata={"description": "Ids of this order's attachments to send with it."},
    )


class EmailTemplate(Schema):
    """A template filled for one order, as Send Email's "Apply template" fills the form: post
    its subject and body (edited or not) to the order's emails to send it."""

    name = F.String(metadata={"description": "The template's key, e.g. order_confirmation."})
    label = F.String()
    subject = F.String()
    body = F.String()


class EmailTemplateList(Schema):
    items = F.List(F.Nested(EmailTemplate))


class EmailPage(Schema):
    items = F.List(F.Nested(Email))
    next_cursor = F.String(allow_none=True)


class EmailQueued(Schema):
    """The email kept as pending, and the job that sends it (follow job_url, or the email)."""

    email = F.Nested(Email)
    job_id = F.Integer()
    job_url = F.String()
