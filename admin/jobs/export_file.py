"""The export job in the worker: each chunk appends the next orders' CSV lines to the job's
file, formatted by the order grid's own view exactly as its direct download formats them,
then records the file's length with the chunk (actions/export_jobs.py says why)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy.orm import Session

from actions.errors import DomainError
from actions.export_jobs import finish_export_job, next_export_chunk, record_export_chunk, written_bytes
from actions.job_chunks import ChunkResult
from actions.jobs import finish_job
from admin.csv_rows import csv_header, csv_rows
from models import Job

# Orders written per chunk (one transaction each).
EXPORT_CHUNK = 2_000
# Lines handed to the file at a time.
LINES_PER_WRITE = 1_000
ORDER_VIEW_ENDPOINT = "orders"
FILE_GONE = "The file this export was writing is no longer on the server; export the orders again."


def export_path(job: Job) -> Path:
    """Where an export job writes: job-<id>.csv in the job files folder."""
    return Path(current_app.config["ORDERDESK_JOB_FILES_DIR"]) / f"job-{job.id}.csv"


def result_path(job: Job) -> Path | None:
    """A finished export's file, when the job made one (it may have been removed since)."""
    if job.state != "done" or not job.result_file:
        return None
    return Path(current_app.config["ORDERDESK_JOB_FILES_DIR"]) / Path(job.result_file).name


def order_view() -> Any:
    """This app's order view: its export columns and formatters make the lines."""
    for admin in current_app.extensions["admin"]:
        for view in admin._views:
            if view.endpoint == ORDER_VIEW_ENDPOINT:
                return view
    raise LookupError("No order view is registered in this app.")


def run_export_chunk(session: Session, job: Job) -> ChunkResult:
    """Write the next EXPORT_CHUNK orders' lines (the header first); done when none is left,
    cancelled (the partial file removed) when someone asked.

    Raises: DomainError when the file written so far is gone (the export cannot go on).
    """
    path = export_path(job)
    if job.cancel_requested:
        finish_job(session, job, "cancelled")
        return ChunkResult(more=False, files_to_remove=[path])
    chunk = next_export_chunk(session, job, size=EXPORT_CHUNK)
    if chunk is None:
        finish_export_job(session, job, file_name=path.name)
        return ChunkResult(more=False)
    view = order_view()
    with _opened_after_committed_lines(path, written_bytes(job)) as file:
        if file.tell() == 0:
            file.write(csv_header(view).encode())
        for lines in csv_rows(view, chunk.orders, per_chunk=LINES_PER_WRITE):
            file.write(lines.encode())
        file.flush()
        os.fsync(file.fileno())
        size = file.tell()
    record_export_chunk(session, job, chunk, file_bytes=size)
    return ChunkResult(more=True, done=len(chunk.orders), skipped=len(chunk.missing))


def _opened_after_committed_lines(path: Path, length: int) -> IO[bytes]:
    """The file cut back to its first `length` bytes (what committed chunks wrote; a chunk
    that died before its commit may have written more) and opened at its end; a new, empty
    file when nothing is committed yet.

    Raises: DomainError when the file is gone or shorter than that.
    """
    if length == 0:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.open("wb")
    try:
        file = path.open("r+b")
    except FileNotFoundError:
        raise DomainError(FILE_GONE) from None
    if file.seek(0, os.SEEK_END) < length:
        file.close()
        raise DomainError(FILE_GONE)
    file.truncate(length)
    file.seek(length)
    return file
