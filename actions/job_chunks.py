"""One chunk of a job's work: the next orders after the job's cursor, each through its own
action, the cursor and counts moved in the same transaction (the caller commits)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from actions.bulk import get_bulk_operation
from actions.errors import DomainError
from actions.jobs import add_items, finish_job
from actions.lifecycle import CANCEL, overdue_order_ids
from actions.permissions import require_permission
from models import Job, JobItem, Order, User

CHUNK_SIZE = 500
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
    """Apply the job's operation to its next `size` orders, then flush them together;
    refusals are written down with their reason, not raised. Stops (cancelled) when someone
    asked, or (done) at the end.

    Raises: PermissionDenied when the job's owner may no longer perform the operation (the
    whole chunk is refused); InvalidTransition for an operation that no longer exists.
    """
    if job.cancel_requested:
        finish_job(session, job, "cancelled")
        return ChunkResult(more=False)
    items = next_items(session, job, size)
    if not items:
        finish_job(session, job, "done")
        return ChunkResult(more=False)
    operation = get_bulk_operation(str(job.params["operation"]))
    actor = session.get(User, job.owner_id) if job.owner_id is not None else None
    if actor is not None:
        if not actor.active:
            raise DomainError(f"{actor.email} has been deactivated; the rest of the job was not done.")
        require_permission(actor, operation.permission)
    ids = [order_id for _position, order_id in items]
    # The addresses come with the orders: the flush reads them (they are the order's own,
    # delete-orphan), and one query for the chunk beats two per order.
    loaded = select(Order).where(Order.id.in_(ids)).options(*ADDRESSES)
    orders = {o.id: o for o in session.scalars(loaded)}
    result = ChunkResult(more=True)
    skips = []
    for position, order_id in items:
        order = orders.get(order_id)
        if order is None:
            skips.append((position, str(order_id), f"Order id {order_id} no longer exists"))
            continue
        number = order.identifier or str(order.id)
        try:
            result.files_to_remove.extend(operation.step(session, order, actor))
        except DomainError as exc:
            reason = exc.message if number in exc.message else f"Order {number}: {exc.message}"
            skips.append((position, number, reason))
            continue
        result.done += 1
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
