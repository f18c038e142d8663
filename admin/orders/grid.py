"""Sales > Orders, the grid (SPEC §3): columns, filters, search, a capped count, CSV export."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, redirect, request, session, url_for
from flask_admin import expose
from flask_admin.contrib.sqla import filters
from sqlalchemy import func, literal_column
from sqlalchemy.orm import joinedload

from actions.capabilities import grid_capabilities
from actions.history import status_label
from actions.money import CURRENCIES, round_money
from admin.base import current_actor
from admin.capped_grid import CappedCountGrid, PageRequest
from admin.orders.base import OrderViewBase
from admin.orders.export import exported_csv
from admin.orders.filters import (
    AmountFilter,
    ChoiceFilter,
    CustomerUserFilter,
    OwnerFilter,
    PrefixFilter,
    SourceFilter,
    WalkedDateTimeBetweenFilter,
    customer_name_condition,
    order_number_condition,
    po_number_condition,
    search_condition,
)
from admin.orders.grid_rows import GridRows
from admin.orders.sources import source_document
from models import Order
from models.orders import INTERNAL_STATUSES, PAYMENT_STATUSES, SHIPPING_STATUSES

# What fits a 1366 px screen; the Columns menu shows any of the others.
DEFAULT_COLUMNS = (  # in the grid's column order
    "identifier",
    "created_at",
    "customer",
    "internal_status",
    "shipping_status",
    "payment_status",
    "total",
)
COLUMNS_KEY = "order_grid_columns"
NOT_SORTABLE = "Not sortable: no index of the orders table can order the grid by this name."
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What an empty value sorts as (models/orders.py indexes these expressions).
# The grid's sorts, and the API list's: not by customer or owner name, since that sort needs a
# join that no index on orders can serve.
SORTABLE_COLUMNS = (
    "identifier",
    "po_number",
    "created_at",
    "updated_at",
    "internal_status",
    "shipping_status",
    "payment_status",
    "currency",
    "subtotal",
    "special_discounts_total",
    "total",
    "ship_until",
)
SORT_STAND_INS = {"po_number": "''", "ship_until": "'0001-01-01'"}


def order_sort_key(name: str, entity: Any = Order) -> Any:
    """What a sort of orders by `name` orders by. Columns that may be empty sort by a stand-in
    value, the same on every database (SQLite puts NULLs first, PostgreSQL last), through an
    index on that expression."""
    column = getattr(entity, name)
    stand_in = SORT_STAND_INS.get(name)
    return func.coalesce(column, literal_column(stand_in)) if stand_in else column


def _choices(codes: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(code, status_label(code)) for code in codes]


def _plain_money_formatter(field: str) -> Any:
    def formatter(view: Any, context: Any, model: Order, name: str) -> str:
        return str(round_money(getattr(model, field), model.currency))

    return formatter


def _utc_timestamp(view: Any, context: Any, model: Order, name: str) -> str:
    """Exports stay in UTC, one format, whoever exports them."""
    return str(getattr(model, name).strftime("%Y-%m-%d %H:%M:%S UTC"))


def _status_formatter(view: Any, context: Any, model: Order, name: str) -> str:
    return status_label(getattr(model, name))


def _source_document(view: Any, context: Any, model: Order, name: str) -> str:
    return source_document(model)


def neutralise_csv_cell(value: Any) -> str:
    """Every cell as text, with spreadsheet formulas defused: a cell starting with = + - @, a
    tab or a carriage return is prefixed with a quote, whatever column it comes from."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_FORMULA_PREFIXES) else text


class OrderGridView(CappedCountGrid, OrderViewBase):
    can_create = False  # the Create Order flow is its own page
    can_edit = False
    can_delete = False
    can_export = True
    export_types = ["csv"]
    column_display_actions = True

    column_list = (
        "identifier",
        "po_number",
        "created_at",
        "updated_at",
        "owner",
        "customer",
        "customer_user",
        "internal_status",
        "shipping_status",
        "payment_status",
        "currency",
        "subtotal",
        "special_discounts_total",
        "total",
        "ship_until",
        "source_document",
    )
    column_labels = {
        "identifier": "Order Number",
        "po_number": "PO Number",
        "internal_status": "Internal Status",
        "shipping_status": "Shipping Status",
        "payment_status": "Payment Status",
        "special_discounts_total": "Special Discounts",
        "ship_until": "Ship Until",
        "source_document": "Source Document",
        "customer_user": "Customer User",
    }
    column_sortable_list = SORTABLE_COLUMNS
    column_default_sort = ("created_at", True)
    column_formatters_export = {
        "created_at": _utc_timestamp,
        "updated_at": _utc_timestamp,
        "subtotal": _plain_money_formatter("subtotal"),
        "special_discounts_total": _plain_money_formatter("special_discounts_total"),
        "total": _plain_money_formatter("total"),
        "internal_status": _status_formatter,
        "shipping_status": _status_formatter,
        "payment_status": _status_formatter,
        "source_document": _source_document,
    }
    column_filters = (
        PrefixFilter("Order Number", order_number_condition, Order.identifier),
        PrefixFilter("PO Number", po_number_condition, Order.po_number),
        filters.DateTimeBetweenFilter(Order.created_at, "Created At"),
        filters.DateTimeGreaterFilter(Order.created_at, "Created At"),
        filters.DateTimeSmallerFilter(Order.created_at, "Created At"),
        WalkedDateTimeBetweenFilter(Order.updated_at, "Updated At"),
        OwnerFilter(),
        PrefixFilter("Customer", customer_name_condition, Order.customer_id),
        CustomerUserFilter(),
        ChoiceFilter(Order.internal_status, "Internal Status", options=_choices(INTERNAL_STATUSES)),
        ChoiceFilter(Order.shipping_status, "Shipping Status", options=_choices(SHIPPING_STATUSES)),
        ChoiceFilter(Order.payment_status, "Payment Status", options=_choices(PAYMENT_STATUSES)),
        ChoiceFilter(Order.currency, "Currency", options=[(c, c) for c in CURRENCIES]),
        AmountFilter(Order.subtotal, "Subtotal", greater=True),
        AmountFilter(Order.subtotal, "Subtotal", greater=False),
        AmountFilter(Order.total, "Total", greater=True),
        AmountFilter(Order.total, "Total", greater=False),
        filters.DateBetweenFilter(Order.ship_until, "Ship Until"),
        filters.DateSmallerFilter(Order.ship_until, "Ship Until"),
        SourceFilter("shopping_list", "Shopping List id"),
        SourceFilter("rfq", "RFQ id"),
    )
    # A search box needs a declared field to show; the query itself is search_condition().
    column_searchable_list = ("identifier",)

    column_descriptions = {"owner": NOT_SORTABLE, "customer": NOT_SORTABLE, "customer_user": NOT_SORTABLE}

    list_template = "orders/list.html"

    def search_placeholder(self) -> str:
        """Names what the box searches: codes by prefix, names and emails by any word."""
        return "Order, PO, customer, buyer, email or SKU"

    # Flask-Admin reads the grid's columns from _list_columns (also to resolve ?sort=N): here
    # they are the person's choice for this session, in their order, else DEFAULT_COLUMNS (a
    # saved view puts its columns in the session when opened). The export keeps all.
    @property
    def _list_columns(self) -> list[tuple[str, str]]:
        every: list[tuple[str, str]] = self.__dict__.get("_every_list_column", [])
        if not has_request_context():
            return every
        labels = dict(every)
        shown = session.get(COLUMNS_KEY) or DEFAULT_COLUMNS
        return [(name, labels[name]) for name in dict.fromkeys(shown) if name in labels] or every

    @_list_columns.setter
    def _list_columns(self, columns: list[tuple[str, str]]) -> None:
        self.__dict__["_every_list_column"] = columns

    def every_column(self) -> list[tuple[str, str]]:
        """Every column the grid can show, for the Columns menu."""
        return list(self.__dict__.get("_every_list_column", []))

    def column_menu(self) -> list[tuple[str, str, bool]]:
        """The Columns menu's rows: the columns shown, in their order, then the others."""
        shown = self._list_columns
        names = {name for name, _label in shown}
        rest = [column for column in self.every_column() if column[0] not in names]
        return [(name, label, True) for name, label in shown] + [(n, lb, False) for n, lb in rest]

    def keep_columns(self, names: list[str]) -> list[str]:
        """Show these known columns, in this order, for the session (none: the defaults)."""
        known = {name for name, _label in self.every_column()}
        chosen = list(dict.fromkeys(name for name in names if name in known))
        session[COLUMNS_KEY] = chosen
        return chosen

    @expose("/columns/")
    def columns_view(self) -> Any:
        """Keep the columns ticked in the Columns menu, in the menu's order, for this session
        (none ticked: the defaults again); ?up=<name> or ?down=<name> also moves that column one
        place (the menu's arrows, when scripts do not move them at once). Then show the grid."""
        chosen = self.keep_columns(request.args.getlist("column"))
        for step, key in ((-1, "up"), (1, "down")):
            name = request.args.get(key, "")
            if name in chosen and 0 <= chosen.index(name) + step < len(chosen):
                at = chosen.index(name)
                chosen[at], chosen[at + step] = chosen[at + step], chosen[at]
                session[COLUMNS_KEY] = chosen
        back = request.args.get("back", "")
        return redirect(back if back.startswith("/admin/orders/") else url_for(".index_view"))

    def get_query(self) -> Any:
        return (
            super()
            .get_query()
            .options(joinedload(Order.customer), joinedload(Order.owner), joinedload(Order.customer_user))
        )

    def term_condition(self, term: str) -> Any:
        return search_condition(term)

    def walk_may_miss_the_page(self, search: str | None, filters: Any, wanted: PageRequest) -> bool:
        """Searches, and the order and PO number filters: no walked index holds those numbers.
        And "updated at" past the first page: orders updated lately are nearly all new ones, so
        that a walk from the oldest order (the last page) or past a deep page may cross most of
        the table before it meets one (SQLite, a million orders, updated this week, last page:
        0.34 s walked, 0.07 s collected from the updated_at index, which holds created_at)."""
        columns = [self._filters[idx].column for idx, _name, _value in filters]
        if search or any(c is Order.identifier or c is Order.po_number for c in columns):
            return True
        deep = bool(wanted.after or wanted.before or wanted.last)
        return deep and any(c is Order.updated_at for c in columns)

    def get_export_value(self, model: Any, name: Any) -> Any:
        return neutralise_csv_cell(super().get_export_value(model, name))

    def sort_key(self, name: str, entity: Any) -> Any:
        return order_sort_key(name, entity)

    def _export_csv(self, return_url: Any) -> Any:
        """Streamed, or written by a job when long; never loaded whole into memory (as
        Flask-Admin's own export is)."""
        return exported_csv(self, return_url)

    def render(self, template: str, **kwargs: Any) -> Any:
        if template == self.list_template:
            kwargs.setdefault("grid", grid_capabilities(current_actor()))
            kwargs.setdefault("grid_rows", GridRows([name for name, _label in self._list_columns]))
        return super().render(template, **kwargs)
