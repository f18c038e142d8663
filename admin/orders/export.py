"""The order grid's CSV export, streamed: the grid's own query (its filters, search and sort)
read a chunk at a time through a server-side cursor and written as it is read, so an export
of any size starts at once and never holds more than one chunk of orders in memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, stream_with_context
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from admin.csv_rows import csv_header, csv_rows
from models import db

# Orders fetched from the cursor, and CSV lines sent, at a time.
CHUNK_ROWS = 1_000


def export_query(view: Any) -> Any:
    """Every order the grid would list for this request's filters, search and sort, in the
    grid's order: its first page's query without the page's LIMIT and OFFSET."""
    args = view._get_list_extra_args()
    sort = view._get_column_by_idx(args.sort)
    _count, query = view.get_list(
        0,
        sort[0] if sort else None,
        args.sort_desc,
        args.search,
        args.filters,
        execute=False,
        page_size=None,
    )
    return query.limit(None).offset(None)


def csv_lines(view: Any, orders: Iterable[Any]) -> Iterator[str]:
    """The header line, then the orders' lines CHUNK_ROWS at a time; every cell goes through
    the view's get_export_value (its export formatters, formulas defused)."""
    yield csv_header(view)
    yield from csv_rows(view, orders, per_chunk=CHUNK_ROWS)


def streamed_csv(view: Any) -> Response:
    """The export as a streamed response, read through a session of its own (the request's
    is closed as soon as the view returns, before the server reads the body), closed after
    the last line or with the response, whichever comes first. The query runs here, so a
    failing query is an error page rather than a cut-off file; rows then arrive CHUNK_ROWS
    at a time (yield_per: a server-side cursor where the database has one)."""
    statement = export_query(view).statement
    session = Session(db.engine)
    try:
        orders = session.scalars(statement, execution_options={"yield_per": CHUNK_ROWS})
    except BaseException:
        session.close()
        raise

    def close() -> None:
        """The cursor first (a server-side one is closed on the server), then the session."""
        orders.close()
        session.close()

    def lines_then_close() -> Iterator[str]:
        try:
            yield from csv_lines(view, orders)
        finally:
            close()

    filename = secure_filename(view.get_export_name(export_type="csv"))
    response = Response(
        stream_with_context(lines_then_close()),
        headers={"Content-Disposition": f"attachment;filename={filename}"},
        mimetype="text/csv",
    )
    response.call_on_close(close)
    return response
