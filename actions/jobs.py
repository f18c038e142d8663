"""Jobs (SPEC §10): starting one, who may see and cancel it, and which worker holds it.

A job's orders are written down when it starts (`JobItem`, in the order it takes them), so
what runs is what the person saw, and a resumed job knows exactly what is left: every chunk
commits the orders it changed together with the job's cursor, never one without the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import Select, case, func, insert, literal, or_, select, update
from sqlalchemy.orm import Session

from actions.bulk import get_bulk_operation
from actions.errors import DomainError, PermissionDenied
from actions.permissions import has_permission, require_permission
from models import Job, JobItem, User, utcnow
from models.base import UTCDateTime
from models.jobs import FINISHED_STATES

# Order ids written per INSERT when a job starts.
ITEMS_PER_INSERT = 5_000
# The job page lists this many skipped orders; the CSV download has all of them.
SKIPS_ON_PAGE = 100
# The table itself, for the conditional UPDATEs that decide which worker holds a job.
JOBS = Job.__table__
NOT_FOUND = "There is no such job, or it is not yours."


def _batches(values: Iterable[int], size: int) -> Iterator[list[int]]:
    iterator = iter(values)
    while batch := list(islice(iterator, size)):
        yield batch


def add_items(session: Session, job: Job, order_ids: Iterable[int]) -> int:
    """Write down the orders a job works on, in this order; return how many."""
    position = 0
    for batch in _batches(order_ids, ITEMS_PER_INSERT):
        session.execute(
            insert(JobItem),
            [{"job_id": job.id, "position": position + i, "order_id": oid} for i, oid in enumerate(batch, 1)],
        )
        position += len(batch)
    return position


def add_items_from_query(session: Session, job: Job, order_ids: Select[tuple[int]]) -> int:
    """Write down every order id a query selects, in id order, in one INSERT … SELECT (a
    filter matching a million orders is written without passing through Python)."""
    ids = order_ids.subquery()
    numbered = select(literal(job.id), func.row_number().over(order_by=ids.c[0]), ids.c[0])
    session.execute(insert(JobItem).from_select(["job_id", "position", "order_id"], numbered))
    return session.scalar(select(func.count()).where(JobItem.job_id == job.id)) or 0


def start_bulk_job(
    session: Session, operation_name: str, order_ids: Iterable[int] | Select[tuple[int]], *, actor: User
) -> Job:
    """Create a queued job applying one bulk operation to these orders (any number): ids, or
    a query selecting them.

    Raises: InvalidTransition for an unknown operation; PermissionDenied when the actor may
    not perform it; DomainError when there is no order to work on.
    """
    operation = get_bulk_operation(operation_name)
    require_permission(actor, operation.permission)
    job = Job(kind="bulk", title=operation.label, params={"operation": operation.name}, owner_id=actor.id)
    session.add(job)
    session.flush()
    if isinstance(order_ids, Select):
        job.total = add_items_from_query(session, job, order_ids)
    else:
        job.total = add_items(session, job, dict.fromkeys(order_ids))
    if job.total == 0:
        raise DomainError("No order is selected; nothing was changed.")
    noun = "order" if job.total == 1 else "orders"
    job.title = f"{operation.label} {job.total:,} {noun}"
    return job


def start_job(
    session: Session, kind: str, title: str, *, params: dict[str, object], owner: User | None, total: int = 0
) -> Job:
    """Create a queued job of another kind (an export, an email, the overdue check)."""
    job = Job(kind=kind, title=title, params=params, owner_id=owner.id if owner else None, total=total)
    session.add(job)
    session.flush()
    return job


def visible_jobs(actor: User) -> Select[Job]:
    """The jobs a person may see, newest first: their own; everyone's for an administrator."""
    query = select(Job).order_by(Job.id.desc())
    if not has_permission(actor, "manage_users"):
        query = query.where(Job.owner_id == actor.id)
    return query


def get_job(session: Session, job_id: int, *, actor: User) -> Job:
    """Raises: DomainError when the job does not exist or belongs to someone else (one
    message for both, so that other people's job ids say nothing)."""
    job = session.get(Job, job_id)
    if job is None or not (job.owner_id == actor.id or has_permission(actor, "manage_users")):
        raise DomainError(NOT_FOUND)
    return job


def cancel_job(session: Session, job: Job, *, actor: User) -> Job:
    """Ask a job to stop after the chunk in flight (at once when it has not started).

    Raises: PermissionDenied for someone else's job (admins aside); DomainError when the job
    has already finished.
    """
    if not (job.owner_id == actor.id or has_permission(actor, "manage_users")):
        raise PermissionDenied("You can cancel only your own jobs.")
    if job.finished:
        raise DomainError(f"This job is already {job.state}; there is nothing to cancel.")
    session.execute(update(Job).where(Job.id == job.id).values(cancel_requested=True))
    if job.state == "queued" and job.cursor == 0:
        finish_job(session, job, "cancelled")
    session.refresh(job)
    return job


def active_job_count(session: Session, actor: User) -> int:
    """How many of the person's own jobs are still queued or running (the top bar shows it)."""
    active = select(Job.id).where(Job.owner_id == actor.id, Job.state.in_(("queued", "running"))).limit(100)
    return session.scalar(select(func.count()).select_from(active.subquery())) or 0


def skipped_items(session: Session, job: Job, *, limit: int | None = SKIPS_ON_PAGE) -> list[JobItem]:
    """The orders a job skipped, with their reasons, in the order it took them."""
    query = (
        select(JobItem)
        .where(JobItem.job_id == job.id, JobItem.skip_reason.is_not(None))
        .order_by(JobItem.position)
        .limit(limit)
    )
    return list(session.scalars(query))


# ---- which worker holds a job ----


def claim_job(session: Session, job_id: int, worker: str, *, now: datetime, stale_after: timedelta) -> bool:
    """Take a job for this worker: a queued one, or a running one whose worker has stopped
    renewing its claim (it died). One conditional UPDATE, so two workers never both win."""
    taken = session.connection().execute(
        update(JOBS)
        .where(
            Job.id == job_id,
            or_(
                Job.state == "queued",
                (Job.state == "running") & (Job.heartbeat_at < now - stale_after),
            ),
        )
        .values(
            state="running",
            claim=worker,
            heartbeat_at=now,
            started_at=func.coalesce(JOBS.c.started_at, literal(now, UTCDateTime())),
        )
    )
    return bool(taken.rowcount)


def renew_claim(session: Session, job: Job, worker: str, *, now: datetime) -> bool:
    """Tell whether this worker still holds the job, renewing its heartbeat if so (in the
    chunk's transaction: a chunk whose worker lost the job is rolled back)."""
    return renew_heartbeat(session, job.id, worker, now=now)


def renew_heartbeat(session: Session, job_id: int, worker: str, *, now: datetime) -> bool:
    """Tell whether this worker still holds the job, moving its heartbeat on to `now` if so.
    The heartbeat never moves back: a renewal that waited for a lock keeps a later one."""
    renewed = session.connection().execute(
        update(JOBS)
        .where(Job.id == job_id, Job.claim == worker)
        .values(heartbeat_at=case((JOBS.c.heartbeat_at > now, JOBS.c.heartbeat_at), else_=now))
    )
    return bool(renewed.rowcount)


def finish_job(session: Session, job: Job, state: str, *, error: str | None = None) -> None:
    """Record how a job ended: done, failed (with the reason) or cancelled."""
    if state not in FINISHED_STATES:
        raise ValueError(state)
    job.state, job.finished_at, job.claim = state, utcnow(), None
    if error is not None:
        job.error = error
    session.flush()


def abandoned_jobs(session: Session, *, now: datetime, stale_after: timedelta) -> list[int]:
    """Jobs that nobody is working on: queued past their time, or running with no heartbeat
    for a while (the queue lost them, or their worker died). A worker queues them again."""
    late = now - stale_after
    query = select(Job.id).where(
        or_(
            (Job.state == "queued") & (func.coalesce(Job.run_after, Job.created_at) < late),
            (Job.state == "running") & (Job.heartbeat_at < late),
        )
    )
    return list(session.scalars(query))


def stalled_jobs(session: Session, *, now: datetime, stale_after: timedelta) -> list[int]:
    """Running jobs whose worker has been silent for longer than `stale_after`: it died (a
    live worker renews its heartbeat every few seconds, however long its chunk takes)."""
    query = select(Job.id).where(Job.state == "running", Job.heartbeat_at < now - stale_after)
    return list(session.scalars(query))
