"""One chunk of a job's work: the next orders after the job's cursor, each checked by its own
action's rules (a status-only move writes them together), the cursor and counts moved in the
same transaction (the caller commits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from actions.bulk import get_bulk_operation
from actions.errors import DomainError
from actions.jobs import add_items, finish_job
from actions.lifecycle import CANCEL, OrderRow, overdue_order_ids, read_order_rows
from actions.permissions import require_permission
from models import Job, JobItem, Order, User

CHUNK_SIZE = 500
# A status-only move costs about a tenth of a step through the flush: its chunks hold ten
# times as many orders, so that a transaction lasts about as long either way.
STATUS_ONLY_FACTOR = 10
ADDRESSES = (selectinload(Order.billing_address), selectinload(Order.shipping_address))
# The table itself: its skip reasons are written by one executemany UPDATE per chunk.
ITEMS = JobItem.__table__


@dataclass
class ChunkResult:
    """What one chunk did; `more` is False once the job has finished."""

    more: bool
    done: int = 0
    skipped: int = 0
    # Storage keys of files to remove once the chunk is committed (attachments of deleted orders).
    files_to_remove: list[str] = field(default_factory=list)
    # Seconds after which the job is to be taken up again (an email's next try).
    retry_in: float | None = None


def next_items(session: Session, job: Job, size: int) -> list[tuple[int, int]]:
    query = (
        select(JobItem.position, JobItem.order_id)
        .where(JobItem.job_id == job.id, JobItem.position > job.cursor)
        .order_by(JobItem.position)
        .limit(size)
    )
    return [(position, order_id) for position, order_id in session.execute(query)]


def run_bulk_chunk(session: Session, job: Job, *, size: int = CHUNK_SIZE) -> ChunkResult:
    """Apply the job's operation to its next `size` orders (STATUS_ONLY_FACTOR times as many
    for a status-only move), then flush them together; refusals are written down with their
    reason, not raised. Stops (cancelled) when someone asked, or (done) at the end.

    Raises: PermissionDenied when the job's owner may no longer perform the operation (the
    whole chunk is refused); InvalidTransition for an operation that no longer exists.
    """
    if job.cancel_requested:
        finish_job(session, job, "cancelled")
        return ChunkResult(more=False)
    operation = get_bulk_operation(str(job.params["operation"]))
    items = next_items(session, job, size if operation.batch is None else size * STATUS_ONLY_FACTOR)
    if not items:
        finish_job(session, job, "done")
        return ChunkResult(more=False)
    actor = session.get(User, job.owner_id) if job.owner_id is not None else None
    result = ChunkResult(more=True)
    if actor is not None:
        if not actor.active:
            raise DomainError(f"{actor.email} has been deactivated; the rest of the job was not done.")
        require_permission(actor, operation.permission)
    ids = [order_id for _position, order_id in items]
    present: Sequence[Order | OrderRow]
    refused: list[tuple[Order | OrderRow, DomainError]]
    if operation.batch is not None:
        # A status-only move reads only what it checks, as rows, and writes them together.
        moving = read_order_rows(session, ids)
        present = moving
        refused = [*operation.batch(session, moving, actor)]
    else:
        # Any other step goes through the flush, which reads each order's addresses (its
        # own, delete-orphan): one query for the chunk beats two per order.
        query = select(Order).where(Order.id.in_(ids)).options(*ADDRESSES)
        loaded = {o.id: o for o in session.scalars(query)}
        stepping = [loaded[order_id] for order_id in ids if order_id in loaded]
        present = stepping
        refused = []
        for order in stepping:
            try:
                result.files_to_remove.extend(operation.step(session, order, actor))
            except DomainError as exc:
                refused.append((order, exc))
    found = {order.id for order in present}
    skips = [
        (position, str(order_id), f"Order id {order_id} no longer exists")
        for position, order_id in items
        if order_id not in found
    ]
    positions = {order_id: position for position, order_id in items}
    skips += [(positions[order.id], _label(order), _reason(order, exc)) for order, exc in refused]
    result.done = len(present) - len(refused)
    if skips:
        session.execute(
            update(ITEMS)
            .where(ITEMS.c.job_id == job.id, ITEMS.c.position == bindparam("p"))
            .values(skip_label=bindparam("label"), skip_reason=bindparam("reason")),
            [{"p": p, "label": label[:60], "reason": reason} for p, label, reason in skips],
        )
    result.skipped = len(skips)
    job.done += result.done
    job.skipped += result.skipped
    job.cursor = items[-1][0]
    session.flush()
    return result


def _label(order: Order | OrderRow) -> str:
    return order.identifier or str(order.id)


def _reason(order: Order | OrderRow, error: DomainError) -> str:
    """The refusal as the report shows it, naming the order once."""
    number = _label(order)
    return error.message if number in error.message else f"Order {number}: {error.message}"


def start_overdue_job(session: Session, today: date) -> Job | None:
    """A system job cancelling every open order whose ship-until date is before `today`;
    None when there is none."""
    ids = overdue_order_ids(session, today)
    if not ids:
        return None
    job = Job(kind="bulk", title="Cancel overdue orders", params={"operation": CANCEL.name})
    session.add(job)
    session.flush()
    job.total = add_items(session, job, ids)
    job.title = f"Cancel {job.total:,} overdue orders"
    return job
