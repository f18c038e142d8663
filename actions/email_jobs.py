"""Send Email as a job: the request keeps the email (pending) and a job for it; the job worker
sends it, and tries again after a pause when the server is out of reach or refuses it.

One job sends one email. Each run of the job makes one try (`job.cursor` counts this job's
tries); a failed try with tries left puts the email back to pending with the reason and the
job back in the queue for later (`job.run_after`, and `ChunkResult.retry_in` for the runner).
After the last try the email is failed and its Retry button starts a new job.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from actions.activities import ACTIVITY_PERMISSION
from actions.errors import DomainError, ValidationFailed
from actions.job_chunks import ChunkResult
from actions.jobs import finish_job, start_job
from actions.mailer import EmailData, MailSettings, Transport, compose_email, deliver, send_email
from actions.permissions import require_permission
from models import Email, Job, Order, User, utcnow
from models.storage import Storage

KIND = "email"
# A job title holds at most 200 characters; a subject up to 255.
TITLE_SUBJECT_LENGTH = 120
ALREADY_SENT = "This email has already been sent."
ALREADY_QUEUED = "This email is already queued; the timeline shows when it is sent."
GONE = "The email is no longer on its order (the order was deleted); nothing was sent."
CANCELLED = "Sending was cancelled before the email went out."
# A run this much before the job's next try is due is a second copy of the job in the queue
# (queued again by a worker that started, or by the check for forgotten jobs): it leaves the
# job to the copy scheduled for that time rather than make a try early.
EARLY = timedelta(seconds=1)
# The table itself, for the UPDATE that makes two Retry clicks wait for each other.
EMAILS = Email.__table__


def email_job_title(email: Email, order: Order | None) -> str:
    """E.g. 'Send email “Your order” (order SO-000042)'."""
    subject = email.subject
    if len(subject) > TITLE_SUBJECT_LENGTH:
        subject = subject[: TITLE_SUBJECT_LENGTH - 1].rstrip() + "…"
    number = (order.identifier or str(order.id)) if order is not None else str(email.order_id)
    return f"Send email “{subject}” (order {number})"


def start_email_job(session: Session, email: Email, *, actor: User) -> Job:
    """A queued job sending this (pending) email; the caller commits, then queues its id."""
    order = session.get(Order, email.order_id)
    return start_job(
        session, KIND, email_job_title(email, order), params={"email_id": email.id}, owner=actor, total=1
    )


def queue_email(session: Session, order: Order, data: EmailData, *, actor: User) -> Job:
    """Send Email: keep the email on the order as pending, with the job that is to send it.

    Raises: PermissionDenied; ValidationFailed (see compose_email).
    """
    email = compose_email(session, order, data, actor=actor)
    return start_email_job(session, email, actor=actor)


def active_email_job(session: Session, email_id: int) -> Job | None:
    """The job that is to send this email (queued, maybe waiting for its next try, or
    running), or None."""
    query = (
        select(Job)
        .where(
            Job.state.in_(("queued", "running")),
            Job.kind == KIND,
            Job.params["email_id"].as_integer() == email_id,
        )
        .order_by(Job.id.desc())
        .limit(1)
        # Its state as the database has it now, whatever this session read before.
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).first()


def retry_email(session: Session, email: Email, *, actor: User) -> Job:
    """Retry: a new job sending a failed email (or a pending one no job is sending).

    Raises: PermissionDenied; ValidationFailed when the email was sent; DomainError when a
    job is already sending it.
    """
    require_permission(actor, ACTIVITY_PERMISSION)
    # Written first: a second Retry of the same email at the same moment waits here (for the
    # row on PostgreSQL, for the write lock on SQLite) and then sees the first one's job.
    session.execute(update(EMAILS).where(EMAILS.c.id == email.id).values(attempts=EMAILS.c.attempts))
    session.refresh(email)
    if email.status == "sent":
        raise ValidationFailed(ALREADY_SENT)
    if active_email_job(session, email.id) is not None:
        raise DomainError(ALREADY_QUEUED)
    email.status, email.error = "pending", None
    return start_email_job(session, email, actor=actor)


def run_email_job(
    session: Session,
    job: Job,
    *,
    settings: MailSettings,
    storage: Storage,
    retry_delays: Sequence[float],
    transport: Transport = deliver,
    now: datetime | None = None,
) -> ChunkResult:
    """One try at sending the job's email (the caller commits).

    Sent: the job is done. Failed with tries left (1 + len(retry_delays) in all): the email
    stays pending with the reason, the job is queued again for `now + delay`, and the result
    says `retry_in=delay`. Failed on the last try: the email and the job are failed, with
    the reason. An email already sent is not sent again (the job is done). A run before the
    next try is due makes no try: the job goes back to the queue as it was.

    Nothing is written before the server has answered: on SQLite a write would hold the
    database's lock for as long as the server takes.
    """
    email_id = job.params.get("email_id")
    email = (
        session.get(Email, int(email_id), with_for_update=True, populate_existing=True)
        if isinstance(email_id, int)
        else None
    )
    if email is None:
        finish_job(session, job, "failed", error=GONE)
        return ChunkResult(more=False)
    if email.status == "sent":
        job.done = 1
        finish_job(session, job, "done")
        return ChunkResult(more=False)
    if job.cancel_requested:
        email.status, email.error = "failed", CANCELLED
        finish_job(session, job, "cancelled")
        return ChunkResult(more=False)
    if job.run_after is not None and job.run_after > (now or utcnow()) + EARLY:
        job.state, job.claim = "queued", None
        session.flush()
        return ChunkResult(more=False)
    author = session.get(User, job.owner_id) if job.owner_id is not None else None
    send_email(
        session,
        email,
        settings=settings,
        storage=storage,
        reply_to=author.email if author is not None else None,
        transport=transport,
    )
    tries = (job.cursor or 0) + 1
    job.cursor = tries
    if email.status == "sent":
        job.done = 1
        finish_job(session, job, "done")
        return ChunkResult(more=False, done=1)
    reason = email.error or "The email could not be sent."
    if tries <= len(retry_delays):
        delay = retry_delays[tries - 1]
        email.status = "pending"
        job.state, job.claim = "queued", None
        job.run_after = (now or utcnow()) + timedelta(seconds=delay)
        session.flush()
        return ChunkResult(more=False, retry_in=delay)
    finish_job(session, job, "failed", error=reason)
    return ChunkResult(more=False)
