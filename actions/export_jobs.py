"""Exports too long for one download: the orders are written down when the export starts, in
the grid's order, and a worker writes them out a chunk at a time.

Here, what a chunk reads and what it moves. Each chunk writes a part of the file of its own
(a store such as S3 cannot append to a file), named by the cursor the chunk starts from, and
the part's length is committed with the chunk's cursor and counts. A worker killed after
writing but before committing leaves a part that no committed chunk lists: the next run of
that chunk starts from the same cursor and writes the same part again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from actions.errors import DomainError
from actions.job_chunks import next_items
from actions.jobs import add_items, finish_job, start_job
from actions.permissions import require_permission
from models import Job, JobItem, Order, User

# The table itself: the skip reasons of a chunk are written by one executemany UPDATE.
ITEMS = JobItem.__table__


@dataclass(frozen=True)
class ExportChunk:
    """The next orders of an export, in its order, and those deleted since it started."""

    orders: list[Order]
    missing: list[tuple[int, int]]  # (position, order id)
    last_position: int


def start_export_job(session: Session, order_ids: Iterable[int], *, filename: str, actor: User) -> Job:
    """Create a queued export of these orders, in this order; `filename` is the name the
    download is offered under.

    Raises: PermissionDenied when the actor may not view orders; DomainError when there is
    no order to export.
    """
    require_permission(actor, "view_orders")
    params: dict[str, object] = {"filename": filename, "parts": []}
    job = start_job(session, "export", "Export orders to CSV", params=params, owner=actor)
    job.total = add_items(session, job, order_ids)
    if job.total == 0:
        raise DomainError("No order matches the grid's filters; there is nothing to export.")
    noun = "order" if job.total == 1 else "orders"
    job.title = f"Export {job.total:,} {noun} to CSV"
    return job


def next_export_chunk(session: Session, job: Job, *, size: int) -> ExportChunk | None:
    """The next `size` orders after the job's cursor, with the people the export names (one
    query); None once none is left.

    Raises: nothing (an order deleted meanwhile is listed as missing).
    """
    items = next_items(session, job, size)
    if not items:
        return None
    query = (
        select(Order)
        .where(Order.id.in_([order_id for _position, order_id in items]))
        .options(joinedload(Order.customer), joinedload(Order.customer_user), joinedload(Order.owner))
    )
    found = {order.id: order for order in session.scalars(query)}
    return ExportChunk(
        orders=[found[order_id] for _position, order_id in items if order_id in found],
        missing=[(position, order_id) for position, order_id in items if order_id not in found],
        last_position=items[-1][0],
    )


def export_parts(job: Job) -> list[tuple[int, int]]:
    """The parts of the export's file that committed chunks wrote, in order: the cursor each
    chunk started from (its part's name) and the part's length in bytes."""
    return [(int(start), int(size)) for start, size in job.params.get("parts", [])]


def record_export_chunk(session: Session, job: Job, chunk: ExportChunk, *, part_bytes: int) -> None:
    """Move the export past a chunk whose lines are in their part, `part_bytes` long: the
    missing orders' reasons, the counts, the part and the cursor, in one transaction.

    Raises: nothing.
    """
    if chunk.missing:
        session.execute(
            update(ITEMS)
            .where(ITEMS.c.job_id == job.id, ITEMS.c.position == bindparam("p"))
            .values(skip_label=bindparam("label"), skip_reason=bindparam("reason")),
            [
                {"p": position, "label": str(order_id), "reason": f"Order id {order_id} no longer exists"}
                for position, order_id in chunk.missing
            ],
        )
    parts = [*job.params.get("parts", []), [job.cursor, part_bytes]]
    job.done += len(chunk.orders)
    job.skipped += len(chunk.missing)
    job.cursor = chunk.last_position
    job.params = {**job.params, "parts": parts}  # a new dict: the JSON column sees the change
    session.flush()


def finish_export_job(session: Session, job: Job, *, file_name: str) -> None:
    """Mark the export done, its file (`file_name`, where its parts are) ready to download.

    Raises: nothing.
    """
    job.result_file = file_name
    finish_job(session, job, "done")


def expire_export_files(session: Session, *, finished_before: datetime) -> list[Job]:
    """Let go of the files of exports (and print jobs) finished before `finished_before`: each
    job stays listed, its page saying that its file was removed; return the jobs, for the
    caller to remove their files once this is committed.

    Raises: nothing.
    """
    query = select(Job).where(
        Job.kind.in_(("export", "print")),
        Job.state == "done",
        Job.result_file.is_not(None),
        Job.finished_at < finished_before,
    )
    expired = list(session.scalars(query))
    for job in expired:
        job.result_file = None
        job.params = {**job.params, "file_expired": True}
    session.flush()
    return expired
