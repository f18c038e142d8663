"""A grid's list URL as a saved view keeps it, and back: which query arguments a view keeps,
and what a saved view still means once the grid's filters or columns have changed."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from actions.errors import ValidationFailed

Pairs = list[tuple[str, str]]
FILTER_ARG = re.compile(r"^flt(\d{1,3})_(\w{1,100})$")
KEPT_ARGS = ("desc", "search", "page_size")
MAX_FILTERS = 20
MAX_VALUE = 500


@dataclass(frozen=True)
class ResolvedQuery:
    """The arguments to open a view with, and what of it the grid no longer knows."""

    args: Pairs
    dropped: list[str] = field(default_factory=list)


def saved_query(args: Iterable[tuple[str, str]], *, columns: Sequence[str]) -> list[list[str]]:
    """The part of a list URL's query a view keeps: its filters (numbered from 0 in their
    order), the sort by column name rather than by position among `columns`, desc, search and
    page size; the page, and anything else, is left out.

    Raises: ValidationFailed for more than MAX_FILTERS filters or a value over MAX_VALUE
    characters.
    """
    filters: list[tuple[int, str, str]] = []
    rest: list[list[str]] = []
    for key, value in args:
        if len(value) > MAX_VALUE:
            raise ValidationFailed(f"A view keeps values of at most {MAX_VALUE} characters.")
        if match := FILTER_ARG.match(key):
            filters.append((int(match.group(1)), match.group(2), value))
        elif key == "sort" and value.isascii() and value.isdigit() and int(value) < len(columns):
            rest.append(["sort", columns[int(value)]])
        elif key in KEPT_ARGS and value != "":
            rest.append([key, value])
    if len(filters) > MAX_FILTERS:
        raise ValidationFailed(f"A view keeps at most {MAX_FILTERS} filters.")
    filters.sort(key=lambda item: item[0])  # stable: equal positions keep their order
    kept = [[f"flt{n}_{name}", value] for n, (_pos, name, value) in enumerate(filters)]
    return kept + sorted(rest)


def resolve_view_query(
    query: Sequence[Sequence[str]],
    *,
    filters: Collection[str],
    columns: Sequence[str],
    sortable: Collection[str],
) -> ResolvedQuery:
    """The list URL arguments a saved query opens the grid with, given the filters the grid
    knows now (by argument name), the columns it shows (in order) and those it can sort
    by; whatever no longer applies is left out and named in `dropped`."""
    args: Pairs = []
    dropped: list[str] = []
    position = 0
    sort_dropped = False
    for key, value in (tuple(pair) for pair in query if len(pair) == 2):
        if match := FILTER_ARG.match(key):
            name = match.group(2)
            if name in filters:
                args.append((f"flt{position}_{name}", value))
                position += 1
            else:
                dropped.append(f"the filter “{name.replace('_', ' ')}”")
        elif key == "sort":
            if value in sortable and value in columns:
                args.append(("sort", str(list(columns).index(value))))
            else:
                sort_dropped = True
                dropped.append(f"the sort by “{value.replace('_', ' ')}”")
        elif key in KEPT_ARGS:
            args.append((key, value))
    if sort_dropped:
        args = [(key, value) for key, value in args if key != "desc"]
    return ResolvedQuery(args=args, dropped=dropped)


def same_query(one: Sequence[Sequence[str]], other: Sequence[Sequence[str]]) -> bool:
    """Tell whether two saved queries ask for the same grid (pairs compared in order)."""
    return [list(pair) for pair in one] == [list(pair) for pair in other]
