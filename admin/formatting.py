"""Jinja filters: the one money formatter and labels for status codes."""
from __future__ import annotations

from decimal import Decimal

from flask import Flask

from actions.money import format_money
from models.orders import STATUS_LABELS


def status_label(code: str | None) -> str:
    if not code:
        return ""
    return STATUS_LABELS.get(code, code.replace("_", " ").title())


def money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency)


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["status_label"] = status_label
