"""A job's progress as people read it: done of total, skipped, rate, time left, and the
one-line result ("3 orders archived; 1 skipped")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.bulk import get_bulk_operation
from actions.errors import DomainError
from models import Job, utcnow

STATE_LABELS = {
    "queued": "Queued",
    "running": "Running",
    "done": "Done",
    "failed": "Failed",
    "cancelled": "Cancelled",
}


@dataclass(frozen=True)
class JobProgress:
    job: Job
    rate: float | None  # items per second since the job started
    seconds_left: float | None

    @property
    def percent(self) -> int:
        finished = self.job.done + self.job.skipped
        return (
            100 if self.job.total == 0 and self.job.finished else int(100 * finished / max(self.job.total, 1))
        )

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.job.state, self.job.state)

    @property
    def summary(self) -> str:
        """E.g. "3 orders archived; 1 skipped" (bulk jobs), or the done count."""
        job = self.job
        verb = {"export": "exported", "print": "printed"}.get(job.kind, "done")
        if job.kind == "bulk":
            try:
                verb = get_bulk_operation(str(job.params.get("operation"))).done
            except DomainError:
                pass
        noun = "order" if job.done == 1 else "orders"
        text = (
            f"{job.done:,} {noun} {verb}"
            if job.kind in ("bulk", "export", "print")
            else f"{job.done:,} of {job.total:,} done"
        )
        if job.skipped:
            text += f"; {job.skipped:,} skipped"
        return text

    def as_json(self) -> dict[str, Any]:
        job = self.job
        return {
            "id": job.id,
            "title": job.title,
            "state": job.state,
            "state_label": self.state_label,
            "finished": job.finished,
            "total": job.total,
            "done": job.done,
            "skipped": job.skipped,
            "percent": self.percent,
            "rate": round(self.rate, 1) if self.rate is not None else None,
            "seconds_left": round(self.seconds_left) if self.seconds_left is not None else None,
            "summary": self.summary,
            "error": job.error,
            "cancel_requested": job.cancel_requested,
        }


def progress_of(job: Job) -> JobProgress:
    finished = job.done + job.skipped
    if job.started_at is None or finished == 0:
        return JobProgress(job, None, None)
    elapsed = ((job.finished_at or utcnow()) - job.started_at).total_seconds()
    rate = finished / elapsed if elapsed > 0 else None
    left = (job.total - finished) / rate if rate and not job.finished else None
    return JobProgress(job, rate, left)
