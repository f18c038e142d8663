"""Jinja filters and globals: the one money formatter, quantities, and labels for codes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import Flask, request
from jinja2 import Undefined

import models
from actions.history import action_label, audit_value, change_title, describe_entry, field_label, status_label
from actions.money import format_money
from actions.text_limits import column_limit
from actions.tracking_links import tracking_url
from admin.timeformat import day, number, when


def money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency)


def quantity(value: Decimal | None) -> str:
    """A quantity as a person writes it: '2', '1.5', never '2.0000'."""
    return "" if value is None else f"{value.normalize():f}"


def max_length(column: str) -> int:
    """The most characters a column keeps, for a hand-written input's maxlength:
    max_length('ShippingTracking.number'). Longer text is refused by actions/text_limits."""
    model_name, _, attribute = column.partition(".")
    limit = column_limit(getattr(models, model_name).__table__.c[attribute].type)
    if limit is None:
        raise ValueError(f"{column} is not a text column")
    return limit


def page_title(view: Any, page_name: Any = None, record: Any = None) -> str:
    """The <title> of an admin page, most particular first: "SO-000305 · Orders · OrderDesk",
    "Create Customer · Customers · OrderDesk", "Orders · OrderDesk".

    A template names its page with a top-level `{% set page_name = ... %}`; Flask-Admin's own
    create, edit and details pages are named from the view's model and the record shown.
    """
    parts = []
    if page_name and not isinstance(page_name, Undefined):
        parts.append(str(page_name))
    else:
        step = (request.endpoint or "").rpartition(".")[2]
        if step == "create_view" and hasattr(view, "model"):
            parts.append(f"Create {singular_name(view)}")
        elif step in ("edit_view", "details_view") and record and not isinstance(record, Undefined):
            parts.append(f"Edit {record}" if step == "edit_view" else str(record))
    if view.name and view.name not in parts:
        parts.append(view.name)
    parts.append(view.admin.name)
    return " · ".join(parts)


def singular_name(view: Any) -> str:
    """One of a model view's things, in words: "Customer User", "Request for Quote"."""
    words = re.findall(r"[A-Z][a-z0-9]*", view.model.__name__)
    return " ".join(w.lower() if w in ("For", "Of", "And") else w for w in words)


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["number"] = number
    app.jinja_env.filters["quantity"] = quantity
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["field_label"] = field_label
    app.jinja_env.globals["max_length"] = max_length
    app.jinja_env.globals["audit_value"] = audit_value
    app.jinja_env.globals["action_label"] = action_label
    app.jinja_env.globals["change_title"] = change_title
    app.jinja_env.globals["describe_entry"] = describe_entry
    app.jinja_env.globals["tracking_url"] = tracking_url
    app.jinja_env.globals["page_title"] = page_title
