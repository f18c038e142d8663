"""The print job in the worker: each chunk lays out the next orders' documents as one PDF
part in the storage (under jobs/<id>/); when none is left, the parts are joined into the
job's one file, which its page offers (the parts are then removed)."""

from __future__ import annotations

from pypdf import PdfWriter
from sqlalchemy.orm import Session

from actions.export_jobs import export_parts, finish_export_job, next_export_chunk, record_export_chunk
from actions.job_chunks import ChunkResult
from actions.jobs import finish_job
from admin.documents_pdf import documents_pdf
from admin.jobs.export_file import cancel_file_job, job_folder
from admin.settings import storage
from models import Job

# Orders laid out per chunk: a few seconds of WeasyPrint, so the progress bar moves.
PRINT_CHUNK = 20


def part_key(job: Job, start: int) -> str:
    return f"{job_folder(job)}{start:010d}.part.pdf"


def result_key(job: Job) -> str:
    return f"{job_folder(job)}{job.params.get('filename') or 'documents.pdf'}"


def run_print_chunk(session: Session, job: Job) -> ChunkResult:
    """Print the next PRINT_CHUNK orders as one part; join the parts when none is left;
    cancelled (the parts removed) when someone asked.

    Raises: PrintingUnavailable (the job fails with its message); a store's OSError.
    """
    if job.cancel_requested:
        return cancel_file_job(session, job)
    chunk = next_export_chunk(session, job, size=PRINT_CHUNK)
    if chunk is None:
        return _join_parts(session, job)
    size = 0
    if chunk.orders:
        pdf = documents_pdf(session, str(job.params["document"]), chunk.orders)
        storage().write(part_key(job, job.cursor), pdf)
        size = len(pdf)
    record_export_chunk(session, job, chunk, part_bytes=size)
    return ChunkResult(more=True, done=len(chunk.orders), skipped=len(chunk.missing))


def _join_parts(session: Session, job: Job) -> ChunkResult:
    """One PDF of every part, in order (a part of 0 bytes had only deleted orders)."""
    files = storage()
    keys = [part_key(job, start) for start, size in export_parts(job) if size]
    if not keys:
        finish_job(session, job, "done")
        return ChunkResult(more=False)
    writer = PdfWriter()
    for key in keys:
        with files.open(key) as part:
            writer.append(part)
    with files.open_write(result_key(job)) as out:
        writer.write(out)
    finish_export_job(session, job, file_name=result_key(job))
    return ChunkResult(more=False, files_to_remove=keys)
