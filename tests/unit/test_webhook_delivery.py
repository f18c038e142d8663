"""Sending webhook deliveries as a job (actions/webhook_delivery.py): one try per due delivery,
retries after the delays, failure after the last, an endpoint that does not answer holding
back its other deliveries, Cancel, and Re-deliver. The endpoint is a stand-in here; the
functional tests send to a real receiver."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from actions.errors import DomainError, PermissionDenied
from actions.lifecycle import apply_transition
from actions.webhook_delivery import redeliver, run_webhook_chunk
from actions.webhook_http import AttemptResult, WebhookRequest
from models import Job, WebhookAttempt, WebhookDelivery, WebhookEndpoint, utcnow
from tests.factories import make_order

DELAYS = (10.0, 60.0)


class Endpoint:
    """A stand-in receiver answering from a script of status codes (None: no answer)."""

    def __init__(self, *answers: int | None) -> None:
        self.answers = list(answers)
        self.requests: list[WebhookRequest] = []

    def __call__(self, request: WebhookRequest) -> AttemptResult:
        self.requests.append(request)
        status = self.answers.pop(0) if self.answers else 200
        return AttemptResult(status, None if status else "No answer within 5 s.", 12)


def endpoint(session, url: str = "https://a.example/in", **values: Any) -> WebhookEndpoint:
    made = WebhookEndpoint(url=url, secret="whsec_" + url[8], events=["order.status_changed"], **values)
    session.add(made)
    session.commit()
    return made


@pytest.fixture
def deliver(session, catalog, users) -> Callable[[int], Job]:
    """deliver(n): n orders cancelled in one transaction; the webhook job sending their events."""

    def make(count: int = 1) -> Job:
        orders = [make_order(session, catalog, actor=users["manager"]) for _ in range(count)]
        session.commit()
        for order in orders:
            apply_transition(session, order, "cancel", actor=users["manager"])
        session.commit()
        return session.scalars(select(Job).where(Job.kind == "webhook").order_by(Job.id.desc())).first()

    return make


def run(session, job: Job, send: Endpoint, *, after: float = 0) -> Any:
    """Run the job's chunks as the worker does, `after` seconds from now, until it stops."""
    now = utcnow() + timedelta(seconds=after)
    while (result := run_webhook_chunk(session, job, send=send, retry_delays=DELAYS, now=now)).more:
        session.commit()
    session.commit()
    return result


def deliveries(session) -> list[WebhookDelivery]:
    session.expire_all()
    return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_delivery_is_signed_and_names_its_event_and_itself(session, deliver):
    # Given an endpoint and a status change for it
    hook = endpoint(session)
    job = deliver()
    receiver = Endpoint(200)

    # When the job runs
    run(session, job, receiver)

    # Then the request carries the event, the delivery's id, and a signature over its time and body
    [request] = receiver.requests
    [delivery] = deliveries(session)
    assert request.url == hook.url
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-OrderDesk-Event"] == "order.status_changed"
    assert request.headers["X-OrderDesk-Delivery"] == str(delivery.id)
    stamp, mac = request.headers["X-OrderDesk-Signature"].split(",")
    timestamp = stamp.removeprefix("t=")
    expected = hmac.new(
        hook.secret.encode(), timestamp.encode() + b"." + request.body, hashlib.sha256
    ).hexdigest()
    assert mac == f"v1={expected}"
    assert abs(int(timestamp) - utcnow().timestamp()) < 60
    assert f'"id":"{delivery.event_id}"'.encode() in request.body


def test_a_refused_delivery_is_tried_again_after_each_delay_then_delivered(session, deliver):
    # Given an endpoint that answers 500 twice, then 200
    endpoint(session)
    job = deliver()
    receiver = Endpoint(500, 503, 200)

    # When the job runs: the first try fails, and the job waits for the next
    result = run(session, job, receiver)
    [delivery] = deliveries(session)
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    first_try = delivery.attempt_log[0].attempted_at
    assert delivery.next_try_at == first_try + timedelta(seconds=10)
    assert job.state == "queued" and job.run_after == delivery.next_try_at
    assert result.retry_in == pytest.approx(10, abs=2)

    # And a run before the next try is due tries nothing
    run(session, job, receiver, after=5)
    assert len(receiver.requests) == 1

    # When it runs at the second try, then at the third
    run(session, job, receiver, after=11)
    assert deliveries(session)[0].next_try_at == deliveries(session)[0].attempt_log[
        1
    ].attempted_at + timedelta(seconds=60)
    run(session, job, receiver, after=72)

    # Then three attempts are logged, the last one delivered it, and the job is done
    [delivery] = deliveries(session)
    assert (delivery.state, delivery.attempts, delivery.next_try_at) == ("delivered", 3, None)
    assert [(a.status_code, a.duration_ms) for a in delivery.attempt_log] == [(500, 12), (503, 12), (200, 12)]
    assert (job.state, job.done, job.skipped) == ("done", 1, 0)
    assert len({r.body for r in receiver.requests}) == 1


def test_after_the_last_try_a_delivery_fails_and_the_job_says_so(session, deliver):
    # Given an endpoint that never answers 2xx
    endpoint(session)
    job = deliver()
    receiver = Endpoint(500, 500, 410)

    # When every try is made
    run(session, job, receiver)
    run(session, job, receiver, after=11)
    run(session, job, receiver, after=72)

    # Then the delivery failed after 1 + len(DELAYS) tries; the job is done with it skipped
    [delivery] = deliveries(session)
    assert (delivery.state, delivery.attempts) == ("failed", 3)
    assert [a.status_code for a in delivery.attempt_log] == [500, 500, 410]
    assert (job.state, job.done, job.skipped) == ("done", 0, 1)


def test_an_endpoint_that_does_not_answer_holds_back_its_other_deliveries_only(session, deliver):
    # Given two endpoints, the first out of reach, and three orders' status changes
    silent, working = endpoint(session), endpoint(session, "https://b.example/in")
    job = deliver(3)

    def send(request: WebhookRequest) -> AttemptResult:
        return (unreachable if request.url == silent.url else reachable)(request)

    unreachable, reachable = Endpoint(None), Endpoint()

    # When the job runs
    run(session, job, send)

    # Then one try went to the silent endpoint, and its two other deliveries wait for the
    # same next try without an attempt; the other endpoint got all three
    assert len(unreachable.requests) == 1 and len(reachable.requests) == 3
    by_endpoint = {}
    for d in deliveries(session):
        by_endpoint.setdefault(d.endpoint_id, []).append(d)
    tried, *held = by_endpoint[silent.id]
    assert (tried.attempts, tried.attempt_log[0].error) == (1, "No answer within 5 s.")
    assert [(d.state, d.attempts, d.next_try_at) for d in held] == [("pending", 0, tried.next_try_at)] * 2
    assert {d.state for d in by_endpoint[working.id]} == {"delivered"}
    assert (job.state, job.done) == ("queued", 3)


def test_deliveries_of_an_inactive_endpoint_fail_unsent(session, deliver):
    # Given a delivery written while its endpoint was active, then the endpoint deactivated
    hook = endpoint(session)
    job = deliver()
    hook.active = False
    session.commit()
    receiver = Endpoint()

    # When the job runs
    run(session, job, receiver)

    # Then nothing was sent, and the delivery failed with no attempt
    assert receiver.requests == []
    [delivery] = deliveries(session)
    assert (delivery.state, delivery.attempts) == ("failed", 0)
    assert (job.state, job.skipped) == ("done", 1)


def test_a_cancelled_job_fails_what_it_has_not_delivered(session, deliver):
    endpoint(session)
    job = deliver(2)
    job.cancel_requested = True
    session.commit()

    run(session, job, Endpoint())

    assert [d.state for d in deliveries(session)] == ["failed", "failed"]
    assert job.state == "cancelled"


def test_re_deliver_queues_a_failed_delivery_again_in_a_job_of_its_own(session, deliver, users):
    # Given a delivery that failed every try
    endpoint(session)
    job = deliver()
    receiver = Endpoint(500, 500, 500, 200)
    for after in (0, 11, 72):
        run(session, job, receiver, after=after)
    [delivery] = deliveries(session)
    assert delivery.state == "failed"

    # When an administrator re-delivers it, and the new job runs
    again = redeliver(session, delivery, actor=users["admin"])
    session.commit()
    assert (again.kind, again.owner_id, again.total) == ("webhook", users["admin"].id, 1)
    run(session, again, receiver)

    # Then it is delivered, with the same ids; the log keeps every attempt
    [delivery] = deliveries(session)
    assert (delivery.state, delivery.attempts, delivery.job_id) == ("delivered", 1, again.id)
    assert [a.status_code for a in delivery.attempt_log] == [500, 500, 500, 200]
    assert receiver.requests[-1].headers["X-OrderDesk-Delivery"] == str(delivery.id)
    assert receiver.requests[-1].body == receiver.requests[0].body


def test_re_deliver_is_refused_while_waiting_for_a_try_for_an_inactive_endpoint_and_to_others(
    session, deliver, users
):
    hook = endpoint(session)
    deliver()
    [delivery] = deliveries(session)
    with pytest.raises(DomainError, match="already waiting for its next try"):
        redeliver(session, delivery, actor=users["admin"])
    session.rollback()
    delivery.state = "delivered"
    hook.active = False
    session.commit()
    with pytest.raises(DomainError, match="The endpoint is inactive"):
        redeliver(session, delivery, actor=users["admin"])
    session.rollback()
    with pytest.raises(PermissionDenied):
        redeliver(session, delivery, actor=users["manager"])
    session.rollback()
    assert session.scalars(select(Job).where(Job.owner_id.is_not(None))).all() == []
    assert session.scalars(select(WebhookAttempt)).all() == []
