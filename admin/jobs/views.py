"""System > Jobs: a person's jobs (everyone's for admins), a job's page with its live
progress bar, its progress as JSON for that bar, Cancel, the skipped orders as CSV, and the
file an export job made."""

from __future__ import annotations

import csv
import io
import logging
from typing import Any

from flask import Response, abort, flash, jsonify, redirect, request, send_file, session, url_for
from flask.typing import ResponseReturnValue
from flask_admin import BaseView, expose
from flask_admin.helpers import get_redirect_target
from flask_login import current_user

from actions.documents import PRINT_JOB
from actions.errors import DomainError
from actions.jobs import active_job_count, cancel_job, get_job, skipped_items, visible_jobs
from admin.base import current_actor, login_redirect, parse_id, run_action
from admin.jobs.export_file import job_folder, result_parts
from admin.jobs.progress import progress_of
from admin.jobs.queue import job_queue
from admin.settings import storage
from models import Job, db

log = logging.getLogger(__name__)
JOBS_PER_PAGE = 50
# Set in the person's session when they start a job: the top bar then looks for their
# running jobs (and clears it once none is left), so other pages cost no query.
ACTIVE_HINT = "jobs_active"
NO_FILE = "This job has no file to download: an export offers its file once it is done."
NO_PDF = "This job has no file to download yet: a print job offers its PDF once it is done."
FILE_REMOVED = "The file of this export is no longer on the server; export the orders again."


def note_job_started() -> None:
    session[ACTIVE_HINT] = True


def running_jobs() -> int:
    """How many of the person's jobs are queued or running, for the top bar: looked up only
    after they started one, until none is left."""
    if not (session.get(ACTIVE_HINT) and current_user.is_authenticated):
        return 0
    count = active_job_count(db.session, current_actor())
    if count == 0:
        session.pop(ACTIVE_HINT, None)
    return count


class JobsView(BaseView):
    def is_accessible(self) -> bool:
        return bool(current_user.is_authenticated)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        return login_redirect()

    def _job_or_404(self, job_id: int) -> Job:
        try:
            return get_job(db.session, job_id, actor=current_actor())
        except DomainError:
            abort(404)

    @expose("/")
    def index(self) -> ResponseReturnValue:
        """Newest first, JOBS_PER_PAGE at a time (?before=<id> for older ones)."""
        query = visible_jobs(current_actor())
        before = parse_id(request.args.get("before"))
        if before is not None:
            query = query.where(Job.id < before)
        jobs = list(db.session.scalars(query.limit(JOBS_PER_PAGE + 1)))
        older = jobs[JOBS_PER_PAGE - 1].id if len(jobs) > JOBS_PER_PAGE else None
        return self.render(
            "jobs/list.html",
            jobs=[progress_of(job) for job in jobs[:JOBS_PER_PAGE]],
            older_url=url_for(".index", before=older) if older else None,
            show_owner=current_actor().role == "admin",
            lean_page=True,
        )

    @expose("/<int:job_id>/")
    def job(self, job_id: int) -> ResponseReturnValue:
        job = self._job_or_404(job_id)
        return self.render(
            "jobs/job.html",
            job=job,
            back=get_redirect_target(param_name="back"),
            progress=progress_of(job),
            skipped=skipped_items(db.session, job),
            lean_page=True,
        )

    @expose("/<int:job_id>/progress.json")
    def progress(self, job_id: int) -> ResponseReturnValue:
        response = jsonify(progress_of(self._job_or_404(job_id)).as_json())
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<int:job_id>/cancel", methods=("POST",))
    def cancel(self, job_id: int) -> ResponseReturnValue:
        job = self._job_or_404(job_id)
        run_action(
            lambda: cancel_job(db.session, job, actor=current_actor()),
            done="The job stops after the orders in progress; what is done stays done.",
        )
        return redirect(url_for(".job", job_id=job_id))

    @expose("/<int:job_id>/skipped.csv")
    def skipped_csv(self, job_id: int) -> ResponseReturnValue:
        """Every skipped order with its reason (the page shows the first ones only)."""
        job = self._job_or_404(job_id)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["Order", "Reason"])
        for item in skipped_items(db.session, job, limit=None):
            writer.writerow([_defused(item.skip_label or ""), _defused(item.skip_reason or "")])
        return Response(
            buffer.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment;filename=job-{job.id}-skipped.csv"},
        )

    @expose("/<int:job_id>/download")
    def download(self, job_id: int) -> ResponseReturnValue:
        """The file a finished export made, its parts streamed from the storage one after the
        other, to whoever may see the job."""
        job = self._job_or_404(job_id)
        if job.kind == PRINT_JOB:
            return self._printed_file(job)
        parts = result_parts(job)
        files = storage()
        if parts is None or not _all_there(parts, files.sizes(job_folder(job))):
            flash(NO_FILE if parts is None else FILE_REMOVED, "error")
            return redirect(url_for(".job", job_id=job.id))
        response = send_file(
            files.open_joined([key for key, _size in parts]),
            mimetype="text/csv",
            as_attachment=True,
            download_name=str(job.params.get("filename") or f"job-{job.id}.csv"),
        )
        response.content_length = sum(size for _key, size in parts)
        return response

    def _printed_file(self, job: Job) -> ResponseReturnValue:
        """The one PDF a finished print job made."""
        files = storage()
        if job.state != "done" or not job.result_file or not files.exists(job.result_file):
            flash(NO_PDF if not job.result_file else FILE_REMOVED, "error")
            return redirect(url_for(".job", job_id=job.id))
        return send_file(
            files.open(job.result_file),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=str(job.params.get("filename") or f"job-{job.id}.pdf"),
        )


def _all_there(parts: list[tuple[str, int]], stored: dict[str, int]) -> bool:
    """Every part of the file is in the storage at the length its chunk committed."""
    return all(stored.get(key) == size for key, size in parts)


def _defused(text: str) -> str:
    """A spreadsheet formula in a cell is shown as text."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def jobs_view() -> JobsView:
    return JobsView(name="Jobs", category="System", endpoint="jobs", url="/admin/jobs")


def hand_to_workers(job_id: int) -> bool:
    """Queue a committed job; False when the queue is out of reach (a worker queues forgotten
    jobs again within a minute or two of it answering, so nothing is lost)."""
    try:
        job_queue().enqueue(job_id)
    except Exception:
        log.exception("Job %s was saved but could not be queued; a worker will find it", job_id)
        return False
    return True


def queue_started_job(job: Job) -> None:
    """Hand a committed job to the workers and say so. A queue out of reach (Redis down)
    loses nothing: the job is in the database and a worker queues forgotten jobs again
    within a minute or two of the queue answering; the user is told so plainly."""
    note_job_started()
    if not hand_to_workers(job.id):
        flash(
            f"{job.title}: saved, but the job queue is not answering right now. The job starts "
            "by itself once the queue answers again; this page follows it.",
            "warning",
        )
        return
    flash(f"{job.title}: started. This page follows its progress.", "info")
