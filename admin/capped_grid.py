"""Grids that grow without end (orders, the audit trail): searched through an index, counted
only up to a cap, and paged by key ("seek") instead of OFFSET, so page one, a page in the
middle and the last page cost the same at a thousand rows as at a million."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import g, has_request_context, request
from sqlalchemy import ColumnElement, ScalarSelect, String, and_, func, or_, select
from sqlalchemy.orm import aliased

from admin.base import parse_id
from models import db
from models.dialect import unindexed

# Counting stops here: the grid says "10,000+" instead of counting every matching row. It is
# also where paging changes plan. More matches, and a page walks its sort order's index,
# meeting a page's worth of them early since they are common. Fewer are found through the
# filter's own index and sorted: at most this many rows, wherever they lie, while a walk
# crosses every row from the newest to the matches: most of a million orders when they are
# old ones (order numbers starting SO-12 on PostgreSQL: 365 ms walked, 6 ms sorted).
COUNT_CAP = 10_000
# A search (or an order or PO number filter) that matches more orders than the count's cap
# walks the sort's index only when the first WALK_PROBE_ROWS rows of that walk hold its matches
# densely enough that a page of them is expected within WALK_BUDGET_ROWS rows; else its
# matches are collected and sorted.
WALK_PROBE_ROWS = 2_000
WALK_BUDGET_ROWS = 10_000
# The query arguments that say which page is shown; every other argument is kept by the pager.
PAGER_ARGS = ("page", "after", "before", "last")

# The sort whose index a page walks (its column's name), None when it walks none.
_walked_sort: ContextVar[str | None] = ContextVar("walked_sort", default=None)


def looked_up(column: Any) -> Any:
    """A column as a filter or search condition should compare it: the column itself, so that
    its index finds the few matching rows; or, while a page walks its sort order's index
    because many rows match, an expression of it that no index serves (`id + 0`,
    `identifier || ''`), so the database does not collect and sort every match first."""
    if not walking():
        return column
    return column.concat("") if isinstance(column.type, String) else column + 0


def walked_range(column: Any) -> Any:
    """A range filter's column: while a page walks another column's sort index, its value as
    no index serves it, tested on each walked entry. Else SQLite, given a range over an index
    that also holds the sort key (`updated_at`'s holds created_at), reads the whole range from
    it and sorts it: updated this week at a million orders, 75 ms instead of 36. A walk of the
    column's own sort seeks the range."""
    if _walked_sort.get() in (None, column.key):
        return column
    return unindexed(column)


def capped_count(ids: Any, cap: int) -> ScalarSelect[int]:
    """How many rows a query of ids selects, counted no further than `cap` (never the whole
    table: the count stops reading at the cap), as a subquery to read in a statement."""
    capped = ids.order_by(None).limit(cap).subquery()
    return select(func.count()).select_from(capped).scalar_subquery()


def walking() -> bool:
    """True while a page walks its sort order's index (conditions are then tested row by row)."""
    return _walked_sort.get() is not None


def count_up_to(ids: Any, cap: int) -> int:
    """`capped_count`, read on its own."""
    return db.session.scalar(select(capped_count(ids, cap))) or 0


def walk_meets_a_page(walked_ids: Any, walk: Any, ident: Any, size: int, probe_rows: int) -> bool:
    """Whether a walk (`walk`: the ids of the sort order's index from where it starts) is
    expected to meet `size` + 1 of the rows `walked_ids` selects within WALK_BUDGET_ROWS rows,
    judged by how many lie among its first `probe_rows`. Matches common in general may all lie
    far from there (order numbers starting "SO-1": a tenth of a million orders, nearly all
    old); those are better collected and sorted (SQLite: 0.5 s walked, about 0.1 s collected)."""
    first = walk.limit(probe_rows).subquery()
    found = count_up_to(walked_ids.filter(ident.in_(select(first.c.id))), probe_rows)
    return found * WALK_BUDGET_ROWS >= (size + 1) * probe_rows


@contextmanager
def walking_sort_index(sort: str) -> Iterator[None]:
    """Conditions built inside are those of a page that walks the index of `sort` (a column's name)."""
    token = _walked_sort.set(sort)
    try:
        yield
    finally:
        _walked_sort.reset(token)


@dataclass(frozen=True)
class PageRequest:
    """Which page a URL asks for: after or before a row (by id, in the current sort), the last
    page, or a page number (served by OFFSET only while it stays within the counted rows)."""

    number: int  # Flask-Admin's 0-based ?page=, shown to the reader when known
    after: int | None = None
    before: int | None = None
    last: bool = False

    @classmethod
    def from_request(cls, page: int | None) -> PageRequest:
        if not has_request_context():
            return cls(number=page or 0)
        args = request.args
        return cls(
            number=max(page or 0, 0),
            after=parse_id(args.get("after")),
            before=parse_id(args.get("before")),
            last=args.get("last") == "1",
        )


@dataclass(frozen=True)
class Pager:
    """What the pager under a grid shows: the page's number when it is known, and its links."""

    number: int | None
    count: int | str | None
    page_size: int
    first_id: int | None
    last_id: int | None
    has_previous: bool
    has_next: bool
    is_last: bool

    def url(self, **changes: Any) -> str:
        """This grid's URL with its filters, sort and search, showing another page."""
        kept = [(k, v) for k, v in request.args.items(multi=True) if k not in PAGER_ARGS]
        args = kept + [(k, v) for k, v in changes.items() if v is not None]
        return request.path + ("?" + urlencode(args) if args else "")

    def first_url(self) -> str:
        return self.url()

    def previous_url(self) -> str:
        if self.number is not None and self.number <= 1:
            return self.url()
        number = self.number - 1 if self.number is not None else None
        return self.url(before=self.first_id, page=number)

    def next_url(self) -> str:
        number = self.number + 1 if self.number is not None else None
        return self.url(after=self.last_id, page=number)

    def last_url(self) -> str:
        return self.url(last=1)

    def numbered(self) -> list[int]:
        """Page numbers (0-based) worth a direct link: the pages around this one that lie within
        the counted rows, where a page by number stays as cheap as any other."""
        if not isinstance(self.count, int) or not self.page_size:
            return []
        pages = (self.count + self.page_size - 1) // self.page_size
        here = self.number if self.number is not None else pages - 1
        return [p for p in range(here - 2, here + 3) if 0 <= p < pages]

    def number_url(self, number: int) -> str:
        return self.url(page=number or None)


class CappedCountGrid:
    """Mix into a SecuredModelView (before it): each search word must match `term_condition`
    (an index-friendly prefix match, not Flask-Admin's LIKE '%…%'), a page is one statement
    plus one count that stops after `count_cap` rows, and pages are found by key: the rows
    after (or before) a given row in the sort order, ties broken by id."""

    count_cap = COUNT_CAP
    walk_probe_rows = WALK_PROBE_ROWS
    simple_list_pager = True  # Flask-Admin's pager would need the exact count
    model: Any
    page_size: int
    column_default_sort: Any

    def term_condition(self, term: str) -> ColumnElement[bool]:
        """What one word of the search box matches."""
        raise NotImplementedError

    def sort_key(self, name: str, entity: Any) -> Any:
        """The expression a sort by `name` orders by (an index must serve it, with id after)."""
        return getattr(entity, name)

    def _apply_search(self, query: Any, count_query: Any, joins: Any, count_joins: Any, search: str) -> Any:
        for term in search.split():
            query = query.filter(self.term_condition(term))
        return query, count_query, joins, count_joins

    def get_list(
        self,
        page: int | None,
        sort_column: Any,
        sort_desc: bool,
        search: str | None,
        filters: Any,
        execute: bool = True,
        page_size: int | None = None,
    ) -> Any:
        """One page in one statement, plus one capped count (never a full-table count).

        With execute=False (exports, filter-wide actions): the query of every matching row,
        in the grid's order, with no page's LIMIT."""
        _none, query = super().get_list(  # type: ignore[misc]
            page, sort_column, sort_desc, search, filters, execute=False, page_size=page_size
        )
        filtered = query.limit(None).offset(None).order_by(None)
        if sort_column not in self._sortable_columns:  # type: ignore[attr-defined]
            sort_column, sort_desc = self.column_default_sort
        if not execute:
            return None, filtered.order_by(*self._order(str(sort_column), bool(sort_desc)))
        count = self.count_matches(filtered.with_entities(self.model.id), self.count_cap + 1)
        size = page_size or self.page_size
        sort, desc = str(sort_column), bool(sort_desc)
        wanted = PageRequest.from_request(page)
        walking = count > self.count_cap and bool(search or filters)
        # A search's matches (an OR over several indexes, which no index reads in order) are
        # collected first, then sorted: else PostgreSQL may walk the sort's index looking for them.
        collect = bool(search) and not walking
        if walking:
            with walking_sort_index(sort):
                _none, query = super().get_list(  # type: ignore[misc]
                    page, sort_column, sort_desc, search, filters, execute=False, page_size=page_size
                )
            walked = query.limit(None).offset(None).order_by(None)
            # A walk that reads each row it crosses (for a search's words, an order number) must
            # meet a page soon; matches that lie far from its start are collected and sorted.
            probed = self.walk_may_miss_the_page(search, filters, wanted)
            walking = not probed or self._walk_meets_a_page(walked, sort, desc, wanted, size)
            filtered, collect = (walked, False) if walking else (filtered, True)
        rows, pager = self._page(filtered, sort, desc, wanted, size, count, collect)
        g.grid_pager = pager
        return count, rows

    def walk_may_miss_the_page(self, search: str | None, filters: Any, wanted: PageRequest) -> bool:
        """Whether a walk may cross most of the table before it meets the page, so that it is
        worth knowing first whether it will meet it soon: a search's words are in no index it
        walks (each row crossed is read from the table)."""
        return bool(search)

    def _walk_meets_a_page(self, walked: Any, sort: str, desc: bool, wanted: PageRequest, size: int) -> bool:
        """`walk_meets_a_page` for the walk this page would take."""
        key, ident = self.sort_key(sort, self.model), self.model.id
        backwards = bool(wanted.before or wanted.last)
        descending = desc != backwards
        walk = select(ident).order_by(*ordered(key, ident, descending))
        boundary = wanted.after or wanted.before
        if boundary is not None:
            walk = walk.where(self._beyond(sort, key, ident, descending, boundary))
        return walk_meets_a_page(walked.with_entities(ident), walk, ident, size, self.walk_probe_rows)

    def count_matches(self, ids: Any, cap: int) -> int:
        """The count the page is planned by and the pager shows (a grid that reads something
        else on every page may read the count in the same statement)."""
        return count_up_to(ids, cap)

    def _page(
        self, filtered: Any, sort: str, desc: bool, wanted: PageRequest, size: int, count: int, collect: bool
    ) -> tuple[list[Any], Pager]:
        exact = count <= self.count_cap
        if wanted.last and exact:  # the last numbered page, as its page link shows it
            wanted = PageRequest(number=max((count - 1) // size, 0))
        boundary = wanted.after or wanted.before
        backwards = bool(wanted.before or wanted.last)
        descending = desc != backwards
        key, ident = self.sort_key(sort, self.model), self.model.id
        if collect:
            # Only the matches beyond the boundary are collected, tested as the filter's index
            # reads them (not by walking the sort's index to the boundary).
            matches = filtered.with_entities(ident.label("id"), key.label("key"))
            if boundary is not None:
                matches = matches.filter(self._beyond(sort, unindexed(key), ident, descending, boundary))
            collection = collected(matches)
            ids = select(collection.c.id).order_by(*ordered(collection.c.key, collection.c.id, descending))
        else:
            ids = filtered.with_entities(ident).order_by(*ordered(key, ident, descending))
            if boundary is not None:
                ids = ids.filter(self._beyond(sort, key, ident, descending, boundary))
        if boundary is None and wanted.number and not backwards:
            ids = ids.offset(wanted.number * size)
        # The page's ids first, then its rows: the ids are found and sorted within an index
        # (the filter's or the sort's) or among the collected matches, and only the page's own
        # rows are read from the table.
        order = self._order(sort, descending)
        page_ids = ids.limit(size + 1).subquery()
        rows = self.get_query().filter(self.model.id.in_(select(page_ids.c.id))).order_by(*order).all()
        more = len(rows) > size
        rows = rows[:size]
        if backwards:
            rows.reverse()
        if (boundary is not None and not rows) or (wanted.before and not more):
            # The row the link started from is gone, or fewer than a page lie before it:
            # show the first page.
            return self._page(filtered, sort, desc, PageRequest(number=0), size, count, collect)
        number: int | None = wanted.number
        if wanted.last or (boundary is not None and "page" not in request.args):
            number = None
        pager = Pager(
            number=number,
            count=count if exact else f"{self.count_cap:,}+",
            page_size=size,
            first_id=rows[0].id if rows else None,
            last_id=rows[-1].id if rows else None,
            has_previous=more if backwards else bool(boundary or wanted.number),
            has_next=True if wanted.before else (not wanted.last and more),
            is_last=wanted.last or (not backwards and not more),
        )
        return rows, pager

    def _order(self, sort: str, descending: bool) -> tuple[Any, Any]:
        return ordered(self.sort_key(sort, self.model), self.model.id, descending)

    def _beyond(
        self, sort: str, key: Any, ident: Any, descending: bool, boundary: int
    ) -> ColumnElement[bool]:
        """Rows after the boundary row (by id) in this order."""
        other = aliased(self.model)
        boundary_key = select(self.sort_key(sort, other)).where(other.id == boundary).scalar_subquery()
        return beyond(key, ident, descending, boundary_key, boundary)

    def render(self, template: str, **kwargs: Any) -> Any:
        capped = template == self.list_template and isinstance(kwargs.get("count"), int)
        if capped and kwargs["count"] > self.count_cap:
            kwargs["count"] = f"{self.count_cap:,}+"
        if has_request_context() and "grid_pager" in g:
            kwargs.setdefault("pager", g.grid_pager)
        return super().render(template, **kwargs)  # type: ignore[misc]


def ordered(key: Any, ident: Any, descending: bool) -> tuple[Any, Any]:
    """ORDER BY the sort key, ties broken by id."""
    return (key.desc(), ident.desc()) if descending else (key.asc(), ident.asc())


def beyond(
    key: Any, ident: Any, descending: bool, boundary_key: Any, boundary_id: int
) -> ColumnElement[bool]:
    """Rows after (key, id) = (boundary_key, boundary_id) in this order, written as a range on
    the sort key (so the key's index serves it) and a tie-break on id among rows with that key."""
    if descending:
        return and_(key <= boundary_key, or_(key < boundary_key, ident < boundary_id))
    return and_(key >= boundary_key, or_(key > boundary_key, ident > boundary_id))


def collected(ids_and_keys: Any) -> Any:
    """The matches (columns `id` and `key`) read once, through the filter's own index, to be
    sorted among themselves: MATERIALIZED, so that PostgreSQL does not fold them back into a
    walk of the sort's index looking for them."""
    return ids_and_keys.cte("matches").prefix_with("MATERIALIZED")
