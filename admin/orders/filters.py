"""Grid filters and search for orders, each written to use an index (DESIGN §6).

Flask-Admin's own text filters use LIKE '%term%', which scans the table; these match a
case-insensitive prefix through a range on an indexed expression, then confirm with LIKE. The
search box also finds any word of a customer's or buyer's name or email, through the text
indexes of models/search.py.
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_admin.contrib.sqla import filters
from sqlalchemy import ColumnElement, and_, func, or_, select

from admin.base import parse_id
from admin.capped_grid import looked_up, walked_range, walking
from models import CUSTOMER_USER_WORDS, CUSTOMER_WORDS, Customer, CustomerUser, Order, OrderLineItem, User, db
from models.dialect import in_ids


def _like_prefix(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _next_character(character: str) -> str | None:
    """The character right after this one that a database can store (surrogates cannot be)."""
    code = ord(character) + 1
    if 0xD800 <= code <= 0xDFFF:
        code = 0xE000
    return chr(code) if code <= sys.maxunicode else None


def prefix_match(expression: Any, term: str) -> ColumnElement[bool]:
    """Match values starting with `term` (already lower-cased) via an index-friendly range."""
    like = expression.like(_like_prefix(term), escape="\\")
    following = _next_character(term[-1])
    if following is None:
        return and_(expression >= term, like)
    return and_(expression >= term, expression < term[:-1] + following, like)


def _order_prefix_match(expression: Any, term: str) -> ColumnElement[bool]:
    """prefix_match on a column of orders; while a page walks its sort's index, only the LIKE:
    the range serves an index, and PostgreSQL, multiplying the three terms' estimates, would
    expect too few matches to walk for and read the whole table instead."""
    if walking():
        return expression.like(_like_prefix(term), escape="\\")
    return prefix_match(expression, term)


def order_number_condition(term: str) -> ColumnElement[bool]:
    """Order numbers are stored upper-case ('SO-000042'); 'so-0000' finds them too."""
    return _order_prefix_match(looked_up(Order.identifier), term.upper())


def po_number_condition(term: str) -> ColumnElement[bool]:
    return _order_prefix_match(func.lower(looked_up(Order.po_number)), term.lower())


def customer_name_condition(term: str) -> ColumnElement[bool]:
    customers = select(Customer.id).where(prefix_match(func.lower(Customer.name), term.lower()))
    return in_ids(looked_up(Order.customer_id), customers)


def source_condition(source_type: str, source_id: int) -> ColumnElement[bool]:
    """Orders made from one document: a shopping list or an RFQ (ix_orders_source)."""
    return and_(looked_up(Order.source_type) == source_type, looked_up(Order.source_id) == source_id)


def sku_condition(term: str) -> ColumnElement[bool]:
    """Orders with a line whose SKU starts with `term`, whatever its case."""
    lines = select(OrderLineItem.order_id).where(
        prefix_match(func.upper(OrderLineItem.product_sku), term.upper())
    )
    return in_ids(looked_up(Order.id), lines)


def search_condition(term: str) -> ColumnElement[bool]:
    """One word of the grid's search box. Codes (order, PO number, a line's SKU) match by prefix;
    the customer's name and the buyer's first name, last name and email match when one of
    their words starts with it. Each is an IN over an index, so the page stays one statement."""
    return or_(
        order_number_condition(term),
        po_number_condition(term),
        sku_condition(term),
        CUSTOMER_WORDS.match(looked_up(Order.customer_id), term),
        customer_user_word_condition(term),
    )


def customer_user_word_condition(term: str) -> ColumnElement[bool]:
    """Orders whose buyer has a word of their first name, last name or email starting with
    `term` (through the buyers' text index)."""
    return CUSTOMER_USER_WORDS.match(looked_up(Order.customer_user_id), term)


class PrefixFilter(filters.BaseSQLAFilter):
    """'starts with' on a text attribute, through one of the condition builders above."""

    def __init__(self, name: str, condition: Any, column: Any) -> None:
        super().__init__(column, name)
        self.condition = condition

    def validate(self, value: str) -> bool:
        return bool(value.strip())

    def apply(self, query: Any, value: str, alias: Any = None) -> Any:
        return query.filter(self.condition(value.strip()))

    def operation(self) -> str:
        return "starts with"


class CustomerUserFilter(PrefixFilter):
    def __init__(self) -> None:
        super().__init__("Customer User", self._condition, Order.customer_user_id)

    @staticmethod
    def _condition(term: str) -> ColumnElement[bool]:
        users = select(CustomerUser.id).where(prefix_match(func.lower(CustomerUser.last_name), term.lower()))
        return in_ids(looked_up(Order.customer_user_id), users)

    def operation(self) -> str:
        return "last name starts with"


class ChoiceFilter(filters.FilterEqual):
    """Equality against a fixed list of codes; anything else is ignored, never an error."""

    def validate(self, value: str) -> bool:
        return any(value == code for code, _label in (self.options or ()))


class OwnerFilter(PrefixFilter):
    """Owner by name, as OroCommerce filters it; the users table is small, orders use owner_id."""

    def __init__(self) -> None:
        super().__init__("Owner", self._condition, Order.owner_id)

    @staticmethod
    def _condition(term: str) -> ColumnElement[bool]:
        # The few matching users are read first and compared as values. Given a subquery,
        # PostgreSQL cannot tell how many of the orders' handful of owners it names, and read
        # the whole orders table when they owned none (200 ms at a million orders).
        owners = db.session.scalars(
            select(User.id).where(func.lower(User.full_name).like(_like_prefix(term.lower()), escape="\\"))
        ).all()
        return looked_up(Order.owner_id).in_(owners)

    def operation(self) -> str:
        return "name starts with"


class SourceFilter(filters.BaseSQLAFilter):
    """The "Shopping List id equals" and "RFQ id equals" filters: the orders made from one
    document. A value that is no id (a word, a number too large for the column) is refused
    with the grid's message and never reaches the database."""

    def __init__(self, source_type: str, name: str) -> None:
        super().__init__(Order.source_id, name)
        self.source_type = source_type

    def validate(self, value: str) -> bool:
        return parse_id(value) is not None

    def clean(self, value: str) -> int:
        return parse_id(value) or 0

    def apply(self, query: Any, value: int, alias: Any = None) -> Any:
        return query.filter(source_condition(self.source_type, value))

    def operation(self) -> str:
        return "equals"


class AmountFilter(filters.BaseSQLAFilter):
    """Greater/smaller than an amount; values that are not numbers are ignored."""

    def __init__(self, column: Any, name: str, *, greater: bool) -> None:
        super().__init__(column, name)
        self.greater = greater

    def validate(self, value: str) -> bool:
        try:
            return Decimal(value.strip()).is_finite()
        except InvalidOperation:
            return False

    def clean(self, value: str) -> Decimal:
        return Decimal(value.strip())

    def apply(self, query: Any, value: Decimal, alias: Any = None) -> Any:
        column = self.get_column(alias)
        return query.filter(column > value if self.greater else column < value)

    def operation(self) -> str:
        return "greater than" if self.greater else "smaller than"


class WalkedDateTimeBetweenFilter(filters.DateTimeBetweenFilter):
    """Flask-Admin's date-time range, tested on each walked entry while a page walks another
    column's sort index (walked_range)."""

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        start, end = value
        return query.filter(walked_range(self.get_column(alias)).between(start, end))
