"""The order grid's CSV export: the grid's own query (its filters, search and sort) in the
grid's order. Up to DIRECT_EXPORT_LIMIT orders it is streamed at once, read a chunk at a time
through a server-side cursor and written as it is read, so it starts at once and never holds
more than one chunk of orders in memory; a longer one is written to a file by a job."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response, redirect, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from actions.export_jobs import start_export_job
from actions.jobs import ITEMS_PER_INSERT
from admin.base import current_actor, run_action
from admin.capped_grid import count_up_to
from admin.csv_rows import csv_header, csv_rows
from admin.jobs.views import queue_started_job
from models import Job, Order, db

# Orders fetched from the cursor, and CSV lines sent, at a time.
CHUNK_ROWS = 1_000
# Longer exports are written to a file by a job: a download that long ties up a web worker
# for minutes, and fails whole when the connection drops.
DIRECT_EXPORT_LIMIT = 10_000


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


def exported_csv(view: Any, return_url: str) -> ResponseReturnValue:
    """The grid's export: up to DIRECT_EXPORT_LIMIT orders, streamed at once; more, written
    to a file by a job whose page the person is taken to (it offers the download)."""
    query = export_query(view)
    ids = query.with_entities(Order.id)
    if count_up_to(ids, DIRECT_EXPORT_LIMIT + 1) <= DIRECT_EXPORT_LIMIT:
        return streamed_csv(view, query)
    filename = secure_filename(view.get_export_name(export_type="csv"))

    def start() -> Job:
        """The ids arrive from a cursor, in the grid's order, and are written down as read."""
        order_ids = db.session.scalars(ids.statement, execution_options={"yield_per": ITEMS_PER_INSERT})
        return start_export_job(db.session, order_ids, filename=filename, actor=current_actor())

    outcome = run_action(start)
    if outcome.result is None:
        return redirect(return_url)
    queue_started_job(outcome.result)
    return redirect(url_for("jobs.job", job_id=outcome.result.id))


def streamed_csv(view: Any, query: Any) -> Response:
    """The export as a streamed response, read through a session of its own (the request's
    is closed as soon as the view returns, before the server reads the body), closed after
    the last line or with the response, whichever comes first. The query runs here, so a
    failing query is an error page rather than a cut-off file; rows then arrive CHUNK_ROWS
    at a time (yield_per: a server-side cursor where the database has one)."""
    statement = query.statement
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
