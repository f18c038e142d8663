"""Long work done by the job worker (SPEC §10): the `Job` row is the truth, the queue only
carries its id, so a job's page works whatever happens to the queue."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.users import User

JOB_STATES = ("queued", "running", "done", "failed", "cancelled")
FINISHED_STATES = ("done", "failed", "cancelled")
JOB_KINDS = ("bulk", "export", "email", "overdue", "webhook")


class Job(Model):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_owner_created", "owner_id", "created_at"),
        Index("ix_jobs_state_heartbeat", "state", "heartbeat_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    # What the job does, in the terms its runner reads (e.g. {"operation": "archive"}).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # None for the system's own jobs (the daily overdue check).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    owner: Mapped[User | None] = relationship()
    state: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    # Items up to this position are finished; a resumed job starts after it.
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which worker holds the job, renewed at every chunk: another one takes it over only
    # when the heartbeat is stale (the holder died).
    claim: Mapped[str | None] = mapped_column(String(40))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Not to be taken before this time (an email waiting for its next try).
    run_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    # A generated file (an export), stored under the instance's job files folder.
    result_file: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    def __str__(self) -> str:
        return self.title


class JobItem(Model):
    """One order a job works on, in the order the job takes them; a skipped one keeps why."""

    __tablename__ = "job_items"

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # No foreign key: the order may be deleted by the job itself, or by someone meanwhile.
    order_id: Mapped[int] = mapped_column(Integer)
    skip_label: Mapped[str | None] = mapped_column(String(60))
    skip_reason: Mapped[str | None] = mapped_column(Text)
