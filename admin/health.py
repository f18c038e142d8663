"""`/healthz` for a load balancer: 200 `ok` when the database, the job queue and the file
storage all answer, else 503 naming only the parts that did not.

No login, no rate limit, no session; the body never carries error text, versions or host
names (the reason goes to the log, with the request id).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app
from sqlalchemy import text

from admin.auth import limiter
from admin.jobs.queue import job_queue
from admin.settings import storage
from models import db

bp = Blueprint("health", __name__)


def database_answers() -> None:
    """`SELECT 1` through the request's session (ended at teardown, as every request's is)."""
    db.session.execute(text("SELECT 1"))


def queue_answers() -> None:
    """Ask the queue's storage for its length: a Redis round trip, or a read of the SQLite
    queue file."""
    job_queue().huey.pending_count()


def storage_answers() -> None:
    """The file storage answers: a request to the S3 bucket, or the local folder takes files.

    Raises: what the storage raises when it does not answer."""
    storage().check()


CHECKS: dict[str, Callable[[], None]] = {
    "database": database_answers,
    "queue": queue_answers,
    "storage": storage_answers,
}


@bp.route("/healthz")
def healthz() -> Response:
    failed = []
    for part, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - whatever the failure, this part does not answer
            current_app.logger.warning("Health check: the %s does not answer: %r", part, exc)
            failed.append(part)
    response = Response("\n".join(failed) or "ok", status=503 if failed else 200, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def init_health(app: Flask) -> None:
    limiter.exempt(bp)
    app.register_blueprint(bp)
