"""What the panel sends weighs little: compressed responses, HTML without its template
indentation, and static files cached for a year under URLs that change with their content."""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path
from typing import Any

from flask import Flask
from flask_compress import Compress
from jinja2.ext import Extension

# Runs of whitespace that span a line break next to a tag (HTML's or Jinja's): the templates'
# indentation. One newline keeps what the browser shows (it renders as the same single space).
# Text areas and <pre> keep every character: there whitespace is content.
_INDENTATION = re.compile(r"(?<=[>}])\s*\n\s*|\s*\n\s*(?=[<{])")
_VERBATIM = re.compile(r"(<textarea\b.*?</textarea>|<pre\b.*?</pre>)", re.DOTALL | re.IGNORECASE)
YEAR = 365 * 24 * 3600

compress = Compress()


@cache
def _content_version(folder: str, filename: str) -> str:
    """A short hash of a static file's content: its URL changes when the file does. Keyed by
    the two strings, so that a page's forty static URLs build no Path once cached."""
    path = Path(folder) / filename
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else "0"


def _without_indentation(html: str) -> str:
    parts = _VERBATIM.split(html)
    # split() puts the verbatim elements at the odd places: leave them as they are.
    return "".join(part if index % 2 else _INDENTATION.sub("\n", part) for index, part in enumerate(parts))


class WithoutIndentation(Extension):
    """Drops the indentation of every HTML template once, as Jinja compiles it, rather than
    from every page sent (a pass over each response cost a grid page several milliseconds)."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        return _without_indentation(source) if (name or "").endswith(".html") else source


def init_weight(app: Flask) -> None:
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        [
            "text/html",
            "text/css",
            "application/javascript",
            "text/javascript",
            "application/json",
            "text/csv",
            "image/svg+xml",
        ],
    )
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    # Versioned URLs (below) make a year of caching safe.
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = YEAR
    compress.init_app(app)

    @app.url_defaults
    def _versioned_static(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static" and not endpoint.endswith(".static"):
            return
        filename = values.get("filename")
        blueprint = app.blueprints.get(endpoint.rpartition(".")[0]) if "." in endpoint else None
        folder = (blueprint or app).static_folder
        if filename and folder:
            values["v"] = _content_version(str(folder), filename)

    app.jinja_env.add_extension(WithoutIndentation)
