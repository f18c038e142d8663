"""OrderDesk's own error pages: one "not found" page for every unknown or malformed id."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import NotFound


def not_found(error: NotFound) -> tuple[str, int]:
    text = "There is no such page or record: it may have been deleted, or the link is incomplete."
    return render_template("errors/page.html", title="Not found", text=text), 404


def init_errors(app: Flask) -> None:
    app.register_error_handler(404, not_found)
