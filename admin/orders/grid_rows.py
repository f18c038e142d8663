"""The order grid's cells, written out in Python.

A grid page is 50 rows of up to 16 cells; run through Flask-Admin's per-cell macros, formatters
and route lookups, their rendering cost twenty times the page's query. Here each row is one
pass: every cell formatted once, the reader's time zone found once per page, links built from a
prefix instead of a route lookup per link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from flask import url_for
from markupsafe import Markup, escape

from actions.history import status_label
from actions.money import format_money
from admin.orders.sources import source_document
from admin.timeformat import day, moment_in, reader_zone
from models import Order

Cell = Callable[[Order], Any]


class Link(NamedTuple):
    """A cell that links somewhere; `html()` escapes its parts like any other cell's value."""

    href: str
    text: str
    css_class: str = ""


def html(value: Any) -> str:
    """A cell's value as HTML: the one place the grid's cells are escaped."""
    if isinstance(value, Link):
        css_class = f' class="{escape(value.css_class)}"' if value.css_class else ""
        return f'<a{css_class} href="{escape(value.href)}">{escape(value.text)}</a>'
    return escape(value)


class GridRows:
    """Formats the cells of one grid page for the columns shown."""

    def __init__(self, columns: list[str]) -> None:
        zone = reader_zone()
        self.order_url = url_for(".details_view") + "?id="
        self.edit_url = url_for(".edit_view") + "?id="
        customer_url = url_for("customers.details_view") + "?id="

        def moment(name: str) -> Cell:
            return lambda order: moment_in(getattr(order, name), zone)

        def amount(name: str) -> Cell:
            return lambda order: format_money(getattr(order, name), order.currency)

        def status(name: str) -> Cell:
            return lambda order: status_label(getattr(order, name))

        def text(name: str) -> Cell:
            return lambda order: "" if (value := getattr(order, name)) is None else value

        special: dict[str, Cell] = {
            "identifier": lambda o: Link(f"{self.order_url}{o.id}", o.identifier),
            "customer": lambda o: Link(f"{customer_url}{o.customer_id}", o.customer.name, "customer-link"),
            "created_at": moment("created_at"),
            "updated_at": moment("updated_at"),
            "internal_status": status("internal_status"),
            "shipping_status": status("shipping_status"),
            "payment_status": status("payment_status"),
            "subtotal": amount("subtotal"),
            "special_discounts_total": amount("special_discounts_total"),
            "total": amount("total"),
            "ship_until": lambda o: day(o.ship_until),
            "source_document": source_document,
        }
        self.cells = [(name, special.get(name) or text(name)) for name in columns]

    def row(self, order: Order) -> Markup:
        """The row's cells, as Flask-Admin's list template lays them out."""
        return Markup(
            "".join(f'<td class="col-{name}">{html(cell(order))}</td>' for name, cell in self.cells)
        )
