"""The export job in the worker: each chunk writes the next orders' CSV lines as a part of
the job's file in the storage (under jobs/<id>/), formatted by the order grid's own view
exactly as its direct download formats them; the download joins the parts (actions/
export_jobs.py says why there are parts)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from actions.export_jobs import (
    export_parts,
    finish_export_job,
    next_export_chunk,
    record_export_chunk,
)
from actions.job_chunks import ChunkResult
from actions.jobs import finish_job
from admin.csv_rows import csv_header, csv_rows
from admin.settings import storage
from models import Job

# Orders written per chunk (one transaction each).
EXPORT_CHUNK = 2_000
# Lines handed to the file at a time.
LINES_PER_WRITE = 1_000
ORDER_VIEW_ENDPOINT = "orders"


def job_folder(job: Job) -> str:
    """Where the parts of a job's file are kept in the storage."""
    return f"jobs/{job.id}/"


def part_key(job: Job, start: int) -> str:
    """The part written by the chunk that starts after position `start`."""
    return f"{job_folder(job)}{start:010d}.csv"


def result_parts(job: Job) -> list[tuple[str, int]] | None:
    """A finished export's file as its parts' keys and lengths, in order; None when the job
    made no file (the parts may have been removed since: the caller checks)."""
    if job.state != "done" or not job.result_file:
        return None
    return [(part_key(job, start), size) for start, size in export_parts(job)]


def order_view() -> Any:
    """This app's order view: its export columns and formatters make the lines."""
    for admin in current_app.extensions["admin"]:
        for view in admin._views:
            if view.endpoint == ORDER_VIEW_ENDPOINT:
                return view
    raise LookupError("No order view is registered in this app.")


def cancel_file_job(session: Session, job: Job) -> ChunkResult:
    """Finish a job that writes a file as cancelled: what it wrote so far is removed."""
    finish_job(session, job, "cancelled")
    return ChunkResult(more=False, files_to_remove=sorted(storage().sizes(job_folder(job))))


def run_export_chunk(session: Session, job: Job) -> ChunkResult:
    """Write the next EXPORT_CHUNK orders' lines (the header first) as one part; done when
    none is left, cancelled (the parts written so far removed) when someone asked.

    Raises: nothing of its own (a store that does not answer raises its OSError).
    """
    if job.cancel_requested:
        return cancel_file_job(session, job)
    chunk = next_export_chunk(session, job, size=EXPORT_CHUNK)
    if chunk is None:
        finish_export_job(session, job, file_name=job_folder(job))
        return ChunkResult(more=False)
    view = order_view()
    size = 0
    with storage().open_write(part_key(job, job.cursor)) as part:
        if not export_parts(job):
            size += part.write(csv_header(view).encode())
        for lines in csv_rows(view, chunk.orders, per_chunk=LINES_PER_WRITE):
            size += part.write(lines.encode())
    record_export_chunk(session, job, chunk, part_bytes=size)
    return ChunkResult(more=True, done=len(chunk.orders), skipped=len(chunk.missing))
