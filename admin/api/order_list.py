"""GET /api/v1/orders: the grid's filters, sorts and search as query arguments, and cursor
pages found by key (the rows after the cursor's row in the sort order), so the millionth order
costs what the first does. Conditions come from the grid's own builders (same indexes)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import marshmallow as ma
from flask import abort
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import joinedload

from actions.money import CURRENCIES
from admin.api.common import BAD_CURSOR, PageArgs, decode_cursor, encode_cursor
from admin.api.fields import DecimalString, IdFilter
from admin.capped_grid import (
    COUNT_CAP,
    WALK_PROBE_ROWS,
    beyond,
    collected,
    count_up_to,
    ordered,
    walk_meets_a_page,
    walked_range,
    walking_sort_index,
)
from admin.orders.filters import (
    OwnerFilter,
    customer_name_condition,
    customer_user_word_condition,
    order_number_condition,
    po_number_condition,
    search_condition,
    source_condition,
)
from admin.orders.grid import SORT_STAND_INS, SORTABLE_COLUMNS, order_sort_key
from models import Order, db
from models.dialect import unindexed
from models.orders import INTERNAL_STATUSES, PAYMENT_STATUSES, SHIPPING_STATUSES

DEFAULT_SORT = "-created_at"
# How a cursor's key is read back, for the sorts whose key is not text.
KEY_PARSERS: dict[str, Any] = {
    "created_at": datetime.fromisoformat,
    "updated_at": datetime.fromisoformat,
    "ship_until": date.fromisoformat,
    "subtotal": Decimal,
    "special_discounts_total": Decimal,
    "total": Decimal,
}
Text = ma.fields.String


class OrderListArgs(PageArgs):
    """Each argument narrows the list; together they all apply (AND)."""

    q = Text(metadata={"description": "Search as the grid's box: order, PO, customer, buyer, email or SKU."})
    number = Text(metadata={"description": "Order number starts with."})
    po_number = Text(metadata={"description": "PO number starts with."})
    customer = Text(metadata={"description": "Customer name starts with."})
    customer_user = Text(
        metadata={"description": "Each word starts a word of the buyer's first name, last name or email."}
    )
    owner = Text(metadata={"description": "The owner's name starts with."})
    internal_status = Text(validate=ma.validate.OneOf([str(s) for s in INTERNAL_STATUSES]))
    shipping_status = Text(validate=ma.validate.OneOf([str(s) for s in SHIPPING_STATUSES]))
    payment_status = Text(validate=ma.validate.OneOf([str(s) for s in PAYMENT_STATUSES]))
    currency = Text(validate=ma.validate.OneOf(CURRENCIES))
    created_from = ma.fields.AwareDateTime(
        metadata={"description": "Created at or after (ISO 8601 with offset)."}
    )
    created_to = ma.fields.AwareDateTime(metadata={"description": "Created before."})
    updated_from = ma.fields.AwareDateTime()
    updated_to = ma.fields.AwareDateTime()
    subtotal_min = DecimalString(metadata={"description": "Subtotal above."})
    subtotal_max = DecimalString(metadata={"description": "Subtotal below."})
    total_min = DecimalString()
    total_max = DecimalString()
    ship_until_from = ma.fields.Date()
    ship_until_to = ma.fields.Date()
    shopping_list_id = IdFilter("Made from this shopping list.")
    rfq_id = IdFilter("Made from this request for quote.")
    sort = Text(
        load_default=DEFAULT_SORT,
        validate=ma.validate.OneOf([s for name in SORTABLE_COLUMNS for s in (name, "-" + name)]),
        metadata={"description": "A column, '-' first for descending; ties are broken by id."},
    )


def _text(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def conditions(args: dict[str, Any]) -> list[ColumnElement[bool]]:
    """The WHERE of the arguments given, as the grid's filters write it (the code and name
    conditions change inside walking_sort_index(), and the updated range as walked_range() says;
    equality and other ranges stay as they are)."""
    found: list[ColumnElement[bool]] = []
    prefix = {
        "number": order_number_condition,
        "po_number": po_number_condition,
        "customer": customer_name_condition,
        "owner": OwnerFilter._condition,
    }
    for name, condition in prefix.items():
        term = _text(args.get(name))
        if term:
            found.append(condition(term))
    for term in (args.get("q") or "").split():
        found.append(search_condition(term))
    for term in (args.get("customer_user") or "").split():
        found.append(customer_user_word_condition(term))
    for name in ("internal_status", "shipping_status", "payment_status", "currency"):
        if args.get(name):
            found.append(getattr(Order, name) == args[name])
    for source_type in ("shopping_list", "rfq"):
        if args.get(f"{source_type}_id") is not None:
            found.append(source_condition(source_type, args[f"{source_type}_id"]))
    ranges = {
        "created": Order.created_at,
        "updated": walked_range(Order.updated_at),
        "ship_until": Order.ship_until,
    }
    for name, column in ranges.items():
        if args.get(f"{name}_from") is not None:
            found.append(column >= args[f"{name}_from"])
        if args.get(f"{name}_to") is not None:
            found.append(column < args[f"{name}_to"])
    for name in ("subtotal", "total"):
        if args.get(f"{name}_min") is not None:
            found.append(getattr(Order, name) > args[f"{name}_min"])
        if args.get(f"{name}_max") is not None:
            found.append(getattr(Order, name) < args[f"{name}_max"])
    return found


def _key_value(order: Order, name: str) -> Any:
    """The cursor's copy of a row's sort key, as JSON can carry it."""
    value = getattr(order, name)
    if value is None:
        value = SORT_STAND_INS[name].strip("'")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def _parsed_key(name: str, value: Any) -> Any:
    """Answers 422 for a value that is no key of this sort."""
    parse = KEY_PARSERS.get(name, str)
    try:
        return parse(str(value))
    except (ValueError, ArithmeticError):
        abort(422, BAD_CURSOR)


def _cursor_position(args: dict[str, Any], sort: str, name: str) -> tuple[Any, int] | None:
    """The sort key and id the cursor continues after; answers 422 for a cursor of another
    sort or a malformed one."""
    if not args.get("cursor"):
        return None
    cursor_sort, cursor_key, last_id = decode_cursor(str(args["cursor"]), 3)
    if cursor_sort != sort or not isinstance(last_id, int) or isinstance(last_id, bool):
        abort(422, BAD_CURSOR)
    return _parsed_key(name, cursor_key), last_id


def _walk_may_miss_the_page(args: dict[str, Any], after: tuple[Any, int] | None) -> bool:
    """Whether a walk of the sort's index may cross most of the table before it meets a page
    of matches, so that its first rows are probed first: a search's words and an order or PO
    number are in no index it walks (each row crossed is read from the table), and orders
    updated lately are nearly all new ones, so that past a cursor among older orders the walk
    may meet none (a million orders, a cursor in the middle: 500,000 entries walked, 4 found,
    against the 90,000 of a week's updates read from their own index)."""
    if args.get("q") or args.get("number") or args.get("po_number"):
        return True
    return after is not None and args.get("updated_from") is not None


def list_orders(args: dict[str, Any]) -> tuple[list[Order], str | None]:
    """One page of orders and the cursor of the next (None on the last page)."""
    sort = str(args["sort"])
    name, descending = sort.lstrip("-"), sort.startswith("-")
    limit = int(args["limit"])
    found = conditions(args)
    key, ident = order_sort_key(name), Order.id
    after = _cursor_position(args, sort, name)
    ids = select(Order.id).where(*found)
    if found:
        # Many matches: walk the sort order's index rather than sort every match (the grid's
        # rule), if a search's matches lie near where the walk starts. Few: collect them
        # through the filter's own index, then sort those few (else the planner may walk the
        # whole sort index looking for them).
        walk = count_up_to(select(Order.id).where(*found), COUNT_CAP + 1) > COUNT_CAP
        if walk:
            with walking_sort_index(name):
                walked = select(Order.id).where(*conditions(args))
            if _walk_may_miss_the_page(args, after):
                start = select(ident).order_by(*ordered(key, ident, descending))
                if after is not None:
                    start = start.where(beyond(key, ident, descending, *after))
                walk = walk_meets_a_page(walked, start, ident, limit, WALK_PROBE_ROWS)
        if walk:
            ids = walked
        else:
            # Only the matches beyond the cursor are collected, tested as the filter's index
            # reads them (not by walking the sort's index to the cursor).
            if after is not None:
                found.append(beyond(unindexed(key), ident, descending, *after))
                after = None
            matches = collected(select(Order.id.label("id"), key.label("key")).where(*found))
            key, ident = matches.c.key, matches.c.id
            ids = select(ident)
    if after is not None:
        ids = ids.where(beyond(key, ident, descending, *after))
    # The page's ids first, found and sorted within an index or among the collected matches,
    # then only the page's rows.
    page_ids = ids.order_by(*ordered(key, ident, descending)).limit(limit + 1).subquery()
    query = (
        select(Order)
        .where(Order.id.in_(select(page_ids.c.id)))
        .order_by(*ordered(order_sort_key(name), Order.id, descending))
        .options(joinedload(Order.customer), joinedload(Order.customer_user), joinedload(Order.owner))
    )
    rows = list(db.session.scalars(query).unique())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor([sort, _key_value(last, name), last.id])
