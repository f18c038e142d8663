"""Jinja filters and globals: the one money formatter, quantities, and labels for codes."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask

import models
from actions.history import action_label, audit_value, change_title, describe_entry, field_label, status_label
from actions.money import format_money
from actions.text_limits import column_limit
from actions.tracking_links import tracking_url


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


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["quantity"] = quantity
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["field_label"] = field_label
    app.jinja_env.globals["max_length"] = max_length
    app.jinja_env.globals["audit_value"] = audit_value
    app.jinja_env.globals["action_label"] = action_label
    app.jinja_env.globals["change_title"] = change_title
    app.jinja_env.globals["describe_entry"] = describe_entry
    app.jinja_env.globals["tracking_url"] = tracking_url
