"""Accessibility fixes that no template of ours can make (WCAG 2.1 AA, issue #11).

Flask-Admin's bootstrap4 admin/base.html writes a bare `<html>` outside any block, and its
templates are extended, never copied: so every HTML response whose `<html>` tag has no `lang`
gets `lang="en"` here, on the way out (3.1.1 Language of Page). The panel's own full-page
templates (auth/layout.html, errors/page.html) already say it themselves and are left as they are.
"""

from __future__ import annotations

import re

from flask import Flask, Response

LANGUAGE = "en"
# Only the document's start is looked at: the <html> tag comes right after the doctype.
_HEAD = 512
_HTML_WITHOUT_LANG = re.compile(rb"<html(?![^>]*\blang=)(?=[\s>])", re.IGNORECASE)


def with_language(html: bytes, language: str = LANGUAGE) -> bytes:
    """`html` with lang="…" on its <html> tag when that tag has none."""
    head = _HTML_WITHOUT_LANG.sub(b'<html lang="' + language.encode() + b'"', html[:_HEAD], count=1)
    return head + html[_HEAD:]


def init_accessibility(app: Flask) -> None:
    """Register after admin.weight's hooks: Flask runs after_request hooks last-registered
    first, so this one sees the page before its indentation is stripped and it is compressed."""

    @app.after_request
    def _page_language(response: Response) -> Response:
        if response.mimetype == "text/html" and not response.direct_passthrough and not response.is_streamed:
            response.set_data(with_language(response.get_data()))
        return response
