"""Send Email as a job: one try per run, the email pending with its reason and the job queued
again while tries are left, failed after the last one, and never sent twice (transports stand
in for a server here; tests/functional/test_email_smtp.py uses a real one)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from actions.email_jobs import (
    ALREADY_QUEUED,
    CANCELLED,
    GONE,
    active_email_job,
    email_job_title,
    queue_email,
    retry_email,
    run_email_job,
)
from actions.errors import DomainError, PermissionDenied, ValidationFailed
from actions.mailer import EmailData, MailSettings
from models import Email, Job, Order
from models.storage import open_storage

SETTINGS = MailSettings(server="mail.example", port=25, sender="OrderDesk <od@orderdesk.example>")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
DELAYS = (120.0, 480.0)
REFUSED = "The mail server at mail.example:25 did not answer."


@pytest.fixture
def order(session, catalog, users):
    from tests.factories import make_order

    made = make_order(session, catalog, actor=users["sales"])
    session.flush()
    return made


def _queue(session, order, users, **overrides) -> tuple[Email, Job]:
    values = {"to": "buyer@acme.example", "subject": "Your order", "body": "Hello"}
    values.update(overrides)
    job = queue_email(session, order, EmailData(**values), actor=users["sales"])
    return session.get(Email, job.params["email_id"]), job


def _down(message, settings):
    raise ConnectionRefusedError(111, "Connection refused")


class Server:
    """A transport that records what it was handed."""

    def __init__(self) -> None:
        self.sent: list = []

    def __call__(self, message, settings):
        self.sent.append(message)
        return {}


def _run(session, job, transport, *, now=None, delays=DELAYS):
    """One run of the job, when it is due (at NOW, or at its next try) unless `now` says."""
    return run_email_job(
        session,
        job,
        settings=SETTINGS,
        storage=open_storage("/nonexistent"),  # emails without attachments read no file
        retry_delays=delays,
        transport=transport,
        now=now or job.run_after or NOW,
    )


def test_send_email_keeps_the_email_pending_with_a_queued_job_for_it(session, order, users):
    email, job = _queue(session, order, users)

    assert (email.status, email.attempts) == ("pending", 0)
    assert (job.kind, job.state, job.total, job.done, job.owner_id) == (
        "email",
        "queued",
        1,
        0,
        users["sales"].id,
    )
    assert job.params == {"email_id": email.id}
    assert job.title == f"Send email “Your order” (order {order.identifier})"
    assert active_email_job(session, email.id) is job


def test_a_long_subject_is_shortened_in_the_jobs_title(session, order, users):
    email, job = _queue(session, order, users, subject="S" * 255)

    assert len(job.title) <= 200 and job.title.endswith(f"…” (order {order.identifier})")
    assert email.subject == "S" * 255
    assert email_job_title(email, None).endswith(f"(order {order.id})")


def test_an_invalid_email_starts_no_job(session, order, users):
    with pytest.raises(ValidationFailed):
        _queue(session, order, users, to="nobody")
    with pytest.raises(PermissionDenied):
        queue_email(session, order, EmailData(to="a@b.example", subject="x", body="y"), actor=users["viewer"])
    assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_sent_email_finishes_the_job_done(session, order, users):
    email, job = _queue(session, order, users)
    server = Server()

    result = _run(session, job, server)

    assert (result.more, result.retry_in, result.done) == (False, None, 1)
    assert (email.status, email.attempts, email.error) == ("sent", 1, None)
    assert (job.state, job.done, job.error) == ("done", 1, None)
    # Reply-To is the person who sent it
    assert server.sent[0]["Reply-To"] == "sales@example.com"


def test_a_failed_try_keeps_the_email_pending_and_queues_the_job_for_its_next_try(session, order, users):
    email, job = _queue(session, order, users)
    job.state, job.claim = "running", "worker-1"

    result = _run(session, job, _down)

    # The email is still to be sent, with the reason of this try
    assert (email.status, email.attempts, email.error) == ("pending", 1, REFUSED)
    # And the job waits for the first delay, released by its worker
    assert (result.more, result.retry_in) == (False, 120.0)
    assert (job.state, job.claim, job.cursor, job.done) == ("queued", None, 1, 0)
    assert job.run_after == NOW + timedelta(seconds=120)
    assert active_email_job(session, email.id) is job

    # When the second try fails too, the next one waits for the second delay
    result = _run(session, job, _down)
    assert (email.status, email.attempts, job.state, result.retry_in) == ("pending", 2, "queued", 480.0)
    assert job.run_after == NOW + timedelta(minutes=2, seconds=480)


def test_a_run_before_the_next_try_is_due_makes_no_try_and_leaves_the_job_queued(session, order, users):
    # Given a job waiting for its second try (and a second copy of it in the queue)
    email, job = _queue(session, order, users)
    _run(session, job, _down)
    due = job.run_after
    job.state, job.claim = "running", "worker-2"
    server = Server()

    # When the copy runs a minute early
    result = _run(session, job, server, now=due - timedelta(minutes=1))

    # Then nothing is sent and the job waits as before, for the copy scheduled at that time
    assert server.sent == []
    assert (result.more, result.retry_in) == (False, None)
    assert (job.state, job.claim, job.cursor, job.run_after) == ("queued", None, 1, due)
    assert (email.status, email.attempts) == ("pending", 1)

    # When it is due, the try is made
    _run(session, job, server, now=due)
    assert (email.status, job.state, len(server.sent)) == ("sent", "done", 1)


def test_after_the_last_try_the_email_and_the_job_are_failed_with_the_reason(session, order, users):
    email, job = _queue(session, order, users)
    for _ in DELAYS:
        assert _run(session, job, _down).retry_in is not None

    result = _run(session, job, _down)

    assert (result.more, result.retry_in) == (False, None)
    assert (email.status, email.attempts, email.error) == ("failed", 3, REFUSED)
    assert (job.state, job.error, job.done) == ("failed", REFUSED, 0)
    assert job.finished_at is not None
    assert active_email_job(session, email.id) is None


def test_a_try_that_succeeds_after_failures_is_sent(session, order, users):
    email, job = _queue(session, order, users)
    _run(session, job, _down)
    server = Server()

    _run(session, job, server)

    assert (email.status, email.attempts, email.error) == ("sent", 2, None)
    assert (job.state, job.done) == ("done", 1)
    assert len(server.sent) == 1


def test_without_retry_delays_one_failed_try_fails_the_email(session, order, users):
    email, job = _queue(session, order, users)

    _run(session, job, _down, delays=())

    assert (email.status, job.state, job.error) == ("failed", "failed", REFUSED)


def test_a_sent_email_is_never_sent_twice(session, order, users):
    # Given an email that was sent, and its job run again (a worker that died before it
    # recorded the job's end, a second job)
    email, job = _queue(session, order, users)
    server = Server()
    _run(session, job, server)
    job.state = "running"

    result = _run(session, job, server)

    # Then the job finishes done, and nothing more went out
    assert len(server.sent) == 1
    assert (result.more, job.state, job.done, email.attempts) == (False, "done", 1, 1)


def test_a_job_cancelled_while_it_waits_fails_the_email_without_sending(session, order, users):
    email, job = _queue(session, order, users)
    _run(session, job, _down)
    job.cancel_requested = True
    server = Server()

    _run(session, job, server)

    assert server.sent == []
    assert (email.status, email.error, job.state) == ("failed", CANCELLED, "cancelled")


def test_a_job_whose_email_is_gone_fails_with_the_reason(session, order, users):
    email, job = _queue(session, order, users)
    session.delete(email)
    session.flush()

    _run(session, job, Server())

    assert (job.state, job.error) == ("failed", GONE)


def test_retry_starts_a_new_job_for_a_failed_email(session, order, users):
    email, job = _queue(session, order, users)
    _run(session, job, _down, delays=())
    assert email.status == "failed"

    with pytest.raises(PermissionDenied):
        retry_email(session, email, actor=users["viewer"])
    again = retry_email(session, email, actor=users["manager"])

    assert again.id != job.id and (again.state, again.owner_id) == ("queued", users["manager"].id)
    assert (email.status, email.error) == ("pending", None)
    server = Server()
    _run(session, again, server)
    assert (email.status, email.attempts, again.state) == ("sent", 2, "done")
    assert server.sent[0]["Reply-To"] == "manager@example.com"


def test_retry_is_refused_while_a_job_is_to_send_it_and_once_it_is_sent(session, order, users):
    email, job = _queue(session, order, users)
    _run(session, job, _down)  # waiting for its next try

    with pytest.raises(DomainError, match=ALREADY_QUEUED):
        retry_email(session, email, actor=users["sales"])

    _run(session, job, Server())
    with pytest.raises(ValidationFailed, match="already been sent"):
        retry_email(session, email, actor=users["sales"])
    assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_an_email_left_pending_without_a_job_can_be_retried(session, order, users):
    # Given an email whose job was cancelled before it started
    email, job = _queue(session, order, users)
    job.state = "cancelled"

    again = retry_email(session, email, actor=users["sales"])

    assert again.id != job.id and active_email_job(session, email.id) is again


def test_deleting_the_order_fails_its_email_job_with_the_reason(session, order, users):
    email, job = _queue(session, order, users)
    session.delete(session.get(Order, order.id))
    session.flush()

    _run(session, job, Server())

    assert (job.state, job.error) == ("failed", GONE)
