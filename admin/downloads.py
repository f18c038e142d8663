"""An attachment's file as the panel and the API hand it out: a download under its uploaded
name and type, never rendered by the browser, never cached."""

from __future__ import annotations

from typing import IO

from flask import Response, send_file

from models import Attachment


def attachment_download(file: IO[bytes], attachment: Attachment) -> Response:
    response = send_file(
        file,
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
