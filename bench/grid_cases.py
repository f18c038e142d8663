"""The grid cases the bench times, each as an OrderDesk URL and the stock view's equivalent.

Filter and sort arguments are read from the views themselves; search words, ids and page
numbers from the database being measured (untimed), so each size gets cases that hit rows.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import text

from bench import stock_grid
from models import db

PAGE_SIZE = stock_grid.PAGE_SIZE
# DESIGN §6: how many times faster than the stock view each kind of case must be.
VIEW_TARGET = 4.0  # the default view (and plain sorts, which are the same view re-ordered)
NARROWING_TARGET = 10.0  # filters, searches, deep pages
# OrderDesk filters whose stock counterpart has another operation (stock text filters only "contain").
STOCK_NAMES = {
    "customer_starts_with": "customer_contains",
    "order_number_starts_with": "order_number_contains",
}
OPEN = ("internal_status_equals", "open")
NEWEST_FIRST = "SELECT id FROM orders ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET :skip"

PAGING = {"page", "after", "before", "last"}

Args = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Case:
    label: str
    target: float  # stock ms / OrderDesk ms must reach this
    url: str
    stock_url: str | None  # None: the stock view has no equivalent
    deep: bool = False  # a page past the first, held to page 1's time


@dataclass(frozen=True)
class Facts:
    """What the cases need to know about one database's rows."""

    orders: int
    customer: str  # a customer's name
    first_name: str  # a customer user's first name
    inner_word: str  # a word from the middle of a customer name

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.orders / PAGE_SIZE))


def _inner_word(names: list[str]) -> str:
    """The middle word of the first name with three words or more (e.g. 'Smith, Reed and Cole')."""
    for name in names:
        words = [w for w in re.split(r"[^\w]+", name) if len(w) > 3]
        if len(words) >= 3:
            return words[len(words) // 2]
    return names[0].split()[-1]


def read_facts(app: Flask) -> Facts:
    with app.app_context():
        run = db.session.execute
        names = list(run(text("SELECT name FROM customers ORDER BY id LIMIT 200")).scalars())
        return Facts(
            orders=int(run(text("SELECT count(*) FROM orders")).scalar_one()),
            customer=names[0],
            first_name=str(
                run(text("SELECT first_name FROM customer_users ORDER BY id LIMIT 1")).scalar_one()
            ),
            inner_word=_inner_word(names),
        )


def id_before_page(app: Flask, page: int) -> int:
    """The id of the row just before 0-based `page` in the default sort (newest first); past the
    end, the oldest row's id, so the keyset request is past the end too."""
    with app.app_context():
        found = db.session.execute(text(NEWEST_FIRST), {"skip": page * PAGE_SIZE - 1}).scalar()
        if found is None:
            found = db.session.execute(text("SELECT id FROM orders ORDER BY created_at, id LIMIT 1")).scalar()
        return int(found or 0)


@dataclass(frozen=True)
class Spec:
    """A case before it becomes URLs: OrderDesk's filters by name, its other arguments, and the
    stock view's other arguments when they differ (`no_stock`: the stock view has no equivalent)."""

    label: str
    target: float = NARROWING_TARGET
    filters: Args = ()
    args: Args = ()
    stock_args: Args | None = None
    no_stock: bool = False


def _stock_args(stock_app: Flask, spec: Spec) -> Args | None:
    """The stock view's arguments for `spec`; None when one of its filters has no stock equivalent."""
    names = [STOCK_NAMES.get(name, name) for name, _value in spec.filters]
    if spec.no_stock or any(name not in stock_grid.FILTERS for name in names):
        return None
    filters = tuple(
        (f"flt{i}_{stock_grid.filter_arg(stock_app, name)}", value)
        for i, (name, (_desk_name, value)) in enumerate(zip(names, spec.filters, strict=True))
    )
    return filters + (spec.args if spec.stock_args is None else spec.stock_args)


def _desk_view(app: Flask) -> tuple[set[str], list[str]]:
    with app.test_request_context():
        admin = app.extensions["admin"][0]
        view = next(v for v in admin._views if getattr(v, "endpoint", "") == "orders")
        return set(view._filter_args or {}), [name for name, _label in view._list_columns]


def _url(args: Args) -> str:
    return "/admin/orders/" + (f"?{urlencode(args)}" if args else "")


def build_cases(app: Flask, facts: Facts, stock_app: Flask | None) -> list[Case]:
    """The measured cases; without `stock_app` every stock URL is None."""
    filter_names, columns = _desk_view(app)
    stock_columns = [c for c, _l in stock_grid.stock_view(stock_app)._list_columns] if stock_app else []
    stock_sortable = set(stock_grid.stock_view(stock_app)._sortable_columns) if stock_app else set()
    now = datetime.now(UTC)
    week = f"{now - timedelta(days=7):%Y-%m-%d %H:%M:%S} to {now:%Y-%m-%d %H:%M:%S}"
    mid, last = facts.pages // 2, facts.pages - 1

    def sort(column: str, desc: bool) -> Spec:
        extra = (("desc", "1"),) if desc else ()
        desk = (("sort", str(columns.index(column))), *extra)
        if column not in stock_sortable:  # stock sorts scalar columns only, not the customer
            return Spec(f"sort {column} {'desc' if desc else 'asc'}", VIEW_TARGET, args=desk, no_stock=True)
        stock = (("sort", str(stock_columns.index(column))), *extra)
        return Spec(f"sort {column} {'desc' if desc else 'asc'}", VIEW_TARGET, args=desk, stock_args=stock)

    def search(label: str, word: str, no_stock: bool = False) -> Spec:
        return Spec(label, args=(("search", word),), no_stock=no_stock)

    specs = [
        Spec("default view, page 1", VIEW_TARGET),
        Spec("Open Orders view", filters=(OPEN,)),
        Spec("filter shipping = partially", filters=(("shipping_status_equals", "partially_shipped"),)),
        Spec("filter currency = EUR", filters=(("currency_equals", "EUR"),)),
        Spec("filter created last 7 days", filters=(("created_at_between", week),)),
        Spec("filter updated last 7 days", filters=(("updated_at_between", week),)),
        Spec("updated 7 days, last page", filters=(("updated_at_between", week),), args=(("last", "1"),)),
        Spec("filter total > 1000", filters=(("total_greater_than", "1000"),)),
        Spec("filter ship until < today", filters=(("ship_until_smaller_than", f"{now:%Y-%m-%d}"),)),
        Spec("filter customer starts with", filters=(("customer_starts_with", facts.customer[:4]),)),
        Spec("filter order no. starts with", filters=(("order_number_starts_with", "SO-0001"),)),
        Spec("open + currency EUR", filters=(OPEN, ("currency_equals", "EUR"))),
        Spec("open + created last 7 days", filters=(OPEN, ("created_at_between", week))),
        Spec("open + total > 1000", filters=(OPEN, ("total_greater_than", "1000"))),
        Spec("open + customer starts with", filters=(OPEN, ("customer_starts_with", facts.customer[:4]))),
        Spec(
            "shipped + payment pending",
            filters=(("shipping_status_equals", "shipped"), ("payment_status_equals", "pending")),
        ),
        sort("total", True),
        sort("customer", False),
        search("search customer prefix", facts.customer.split()[0]),
        search("search PO prefix", "PO-12"),
        # The stock search covers order number, PO number and customer name only.
        search("search customer user 1st name", facts.first_name, no_stock=True),
        search("search word inside customer", facts.inner_word),
        Spec(
            "middle page (keyset)",
            args=(("after", str(id_before_page(app, mid))), ("page", str(mid))),
            stock_args=(("page", str(mid)),),
        ),
        Spec("last page (keyset)", args=(("last", "1"),), stock_args=(("page", str(last)),)),
        Spec(
            "page 150 (keyset)",
            args=(("after", str(id_before_page(app, 150))), ("page", "150")),
            stock_args=(("page", "150"),),
        ),
        Spec("page 150 (OFFSET)", args=(("page", "150"),)),
    ]
    found = []
    for spec in specs:
        missing = [name for name, _value in spec.filters if name not in filter_names]
        if missing:
            print(f"skipped {spec.label!r}: the grid offers no filter {missing}")
            continue
        desk = tuple((f"flt{i}_{name}", value) for i, (name, value) in enumerate(spec.filters)) + spec.args
        stock_args = _stock_args(stock_app, spec) if stock_app else None
        deep = bool(PAGING & set(dict(spec.args)))
        found.append(
            Case(spec.label, spec.target, _url(desk), None if stock_args is None else _url(stock_args), deep)
        )
    return found
