"""/api/v1/jobs/{id}: a job's progress, as the job page polls it (its owner, or an admin)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from actions.errors import DomainError
from actions.jobs import get_job
from admin.api.auth import api_actor
from admin.api.common import ApiError, Schema, api_blueprint, problem_responses
from admin.jobs.progress import progress_of
from models import db

blp = api_blueprint("api_jobs", "/jobs", "Jobs: long work (bulk transitions) and its progress.")
F = ma.fields


class JobProgress(Schema):
    id = F.Integer()
    title = F.String()
    state = F.String(metadata={"description": "queued, running, done, failed or cancelled"})
    finished = F.Boolean()
    total = F.Integer()
    done = F.Integer()
    skipped = F.Integer()
    percent = F.Integer()
    summary = F.String()
    error = F.String(allow_none=True)


class JobNotFound(DomainError):
    code = "not_found"


@blp.route("/<int:job_id>", endpoint="Job")
@blp.response(200, JobProgress)
@problem_responses(blp, 404)
def job(job_id: int) -> dict[str, Any]:
    """How far the job has got, and why orders were skipped (counted)."""
    try:
        found = get_job(db.session, job_id, actor=api_actor())
    except DomainError as exc:
        raise ApiError(JobNotFound(exc.message)) from exc
    return progress_of(found).as_json()
