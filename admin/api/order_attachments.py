"""/api/v1/orders/{id}/attachments: files on an order, uploaded as multipart/form-data through
the same checks as the panel's Attach File form (size limit, allowed types judged by content),
stored under generated names; downloaded as they were uploaded."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from actions.attachments import ALLOWED_TYPES, add_attachment, delete_attachment, open_attachment
from actions.errors import DomainError
from admin.api.activity_schemas import Attachment, AttachmentIn, AttachmentPage
from admin.api.auth import api_actor
from admin.api.common import ApiError, PageArgs, api_blueprint, links, unit_of_work
from admin.api.links import activity_links
from admin.api.order_activities import activity_or_404, activity_page, created
from admin.api.orders import NotFoundError, _document, _order_or_404, _viewer
from admin.downloads import attachment_download
from admin.settings import max_upload_mb, storage
from models import Attachment as AttachmentRow
from models import db

MULTIPART = "multipart/form-data"
FILE = {"schema": {"type": "string", "format": "binary"}}


class MultipartParser(FlaskParser):
    """Reads a multipart body's fields and files as one (flask-smorest documents one request
    body per operation; the upload's comment is a field beside its file)."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Any, schema: Any) -> Any:
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


blp = api_blueprint("api_order_attachments", "/orders", "Files attached to an order.")
blp.ARGUMENTS_PARSER = MultipartParser()
blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
    **blp.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
    "multipart": MULTIPART,
}


@blp.route("/<int:order_id>/attachments")
class Attachments(MethodView):
    @blp.arguments(PageArgs, location="query", unknown=ma.RAISE)
    @blp.response(200, AttachmentPage)
    @links(200, **activity_links("attachment", "$response.body#/items/0/id", ("get", "delete")))
    @_document(403, 404, 422)
    def get(self, args: dict[str, Any], order_id: int) -> dict[str, Any]:
        """The order's attachments, newest first."""
        return activity_page(AttachmentRow, order_id, args)

    @blp.arguments(AttachmentIn, location="multipart")
    @blp.response(201, Attachment)
    @links(201, **activity_links("attachment", "$response.body#/id", ("get", "delete")))
    @_document(403, 404, 413, 422)
    def post(self, form: dict[str, Any], order_id: int) -> Any:
        """Attach a file (field `file`) with an optional `comment`: at most the upload limit
        (ORDERDESK_MAX_UPLOAD_MB), of an allowed type whose content matches its name."""
        actor = api_actor()
        order = _order_or_404(order_id)
        upload = form["file"]
        attachment = unit_of_work(
            lambda: add_attachment(
                db.session,
                order,
                filename=upload.filename or "",
                data=upload.read(),
                comment=form["comment"],
                actor=actor,
                storage=storage(),
                max_mb=max_upload_mb(),
            )
        )
        return created(attachment, ".Attachment", order_id=order_id, attachment_id=attachment.id)


@blp.route("/<int:order_id>/attachments/<int:attachment_id>", endpoint="Attachment")
class AttachmentResource(MethodView):
    @blp.response(200, Attachment)
    @_document(403, 404)
    def get(self, order_id: int, attachment_id: int) -> AttachmentRow:
        """What is known of one attachment (its bytes are at .../content)."""
        _viewer()
        return activity_or_404(AttachmentRow, order_id, attachment_id, "attachment")

    @blp.response(204)
    @_document(403, 404)
    def delete(self, order_id: int, attachment_id: int) -> None:
        """Delete the attachment (its author or an admin); its file goes after the commit."""
        actor = api_actor()
        attachment = activity_or_404(AttachmentRow, order_id, attachment_id, "attachment")
        key = unit_of_work(lambda: delete_attachment(db.session, attachment, actor=actor))
        storage().delete(key)


@blp.route("/<int:order_id>/attachments/<int:attachment_id>/content", methods=["GET"])
@blp.doc(
    responses={
        "200": {
            "description": "The file as uploaded, as a download (Content-Disposition: attachment).",
            "content": {content_type: FILE for content_type in sorted(set(ALLOWED_TYPES.values()))},
        }
    }
)
@_document(403, 404)
def attachment_content(order_id: int, attachment_id: int) -> Response:
    """The attachment's bytes, with its content type, offered for download."""
    _viewer()
    attachment = activity_or_404(AttachmentRow, order_id, attachment_id, "attachment")
    try:
        file = open_attachment(storage(), attachment)
    except DomainError as exc:
        raise ApiError(NotFoundError(exc.message)) from exc
    return attachment_download(file, attachment)
