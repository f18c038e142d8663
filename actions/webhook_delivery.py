"""Sending webhook deliveries as a job, with retries; Re-deliver; an endpoint's delivery log.

A webhook job sends the deliveries one transaction wrote (or the one a person re-delivers).
Each chunk tries the few that are due, with no write until every endpoint of the chunk has
answered (on SQLite a write holds the database's lock), then records each attempt: a 2xx
answer delivers it; anything else is tried again after the next of the retry delays, and
fails after the last. When only later tries are left, the job goes back to the queue for the
earliest of them (`ChunkResult.retry_in`). An endpoint that does not answer at all holds
back its other deliveries in the job until the same next try, rather than have each of them
wait out the timeout.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from actions.errors import DomainError
from actions.job_chunks import ChunkResult
from actions.jobs import finish_job, start_job
from actions.permissions import require_permission
from actions.webhook_events import KIND, queue_after_commit
from actions.webhook_http import AttemptResult, WebhookRequest
from actions.webhook_secrets import signing_secrets
from actions.webhooks import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, WEBHOOK_PERMISSION, signature
from models import Job, User, WebhookAttempt, WebhookDelivery, WebhookEndpoint, utcnow

# Deliveries tried per chunk: with a 5 s timeout each, a chunk stays well inside the time a
# worker may be silent before its job is taken over (60 s).
CHUNK_SIZE = 5
INACTIVE = "The endpoint is inactive: make it active before re-delivering."
ALREADY_QUEUED = "This delivery is already waiting for its next try."
DELIVERIES = WebhookDelivery.__table__
Sender = Callable[[WebhookRequest], AttemptResult]


class NotFound(DomainError):
    code = "not_found"


def body_of(delivery: WebhookDelivery) -> bytes:
    """The bytes sent and signed: the payload as compact JSON, keys sorted (the same bytes
    at every try)."""
    return json.dumps(delivery.payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def request_for(delivery: WebhookDelivery, *, timestamp: int, now: datetime | None = None) -> WebhookRequest:
    """The delivery's request, signed with each secret of its endpoint valid at `now`."""
    body = body_of(delivery)
    secret, *previous = signing_secrets(delivery.endpoint, now=now)
    return WebhookRequest(
        delivery.endpoint.url,
        body,
        {
            "Content-Type": "application/json",
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.id),
            SIGNATURE_HEADER: signature(secret, timestamp, body, *previous),
        },
    )


def _due(session: Session, job: Job, now: datetime, size: int) -> list[WebhookDelivery]:
    query = (
        select(WebhookDelivery)
        .options(joinedload(WebhookDelivery.endpoint))
        .where(
            WebhookDelivery.job_id == job.id,
            WebhookDelivery.state == "pending",
            WebhookDelivery.next_try_at <= now,
        )
        .order_by(WebhookDelivery.id)
        .limit(size)
    )
    return list(session.scalars(query))


def _wait_or_finish(session: Session, job: Job, now: datetime) -> ChunkResult:
    """No delivery is due: the job waits for the earliest next try, or is done."""
    next_try = session.scalar(
        select(func.min(WebhookDelivery.next_try_at)).where(
            WebhookDelivery.job_id == job.id, WebhookDelivery.state == "pending"
        )
    )
    if next_try is None:
        finish_job(session, job, "done")
        return ChunkResult(more=False)
    job.state, job.claim, job.run_after = "queued", None, next_try
    session.flush()
    return ChunkResult(more=False, retry_in=max(0.0, (next_try - now).total_seconds()))


def _send_all(deliveries: list[WebhookDelivery], send: Sender, now: datetime) -> list[AttemptResult | None]:
    """Try each delivery in turn; None for one held back (its endpoint did not answer)."""
    silent: set[int] = set()
    results: list[AttemptResult | None] = []
    for delivery in deliveries:
        if delivery.endpoint_id in silent or not delivery.endpoint.active:
            results.append(None)
            continue
        result = send(request_for(delivery, timestamp=int(time.time()), now=now))
        if not result.answered:
            silent.add(delivery.endpoint_id)
        results.append(result)
    return results


def _record(
    session: Session, delivery: WebhookDelivery, result: AttemptResult, at: datetime, delays: Sequence[float]
) -> None:
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=at,
            status_code=result.status_code,
            error=result.error,
            duration_ms=result.duration_ms,
        )
    )
    delivery.attempts += 1
    if result.ok:
        delivery.state, delivery.next_try_at = "delivered", None
    elif delivery.attempts <= len(delays):
        delivery.next_try_at = at + timedelta(seconds=delays[delivery.attempts - 1])
    else:
        delivery.state, delivery.next_try_at = "failed", None


def run_webhook_chunk(
    session: Session,
    job: Job,
    *,
    send: Sender,
    retry_delays: Sequence[float],
    now: datetime | None = None,
    size: int = CHUNK_SIZE,
) -> ChunkResult:
    """Try the job's next due deliveries (the caller commits); see the module's docstring.

    Deliveries of an inactive endpoint fail unsent. Cancelling the job fails its deliveries
    not yet delivered.
    """
    now = now or utcnow()
    pending = (WebhookDelivery.job_id == job.id) & (WebhookDelivery.state == "pending")
    if job.cancel_requested:
        session.execute(update(WebhookDelivery).where(pending).values(state="failed", next_try_at=None))
        finish_job(session, job, "cancelled")
        return ChunkResult(more=False)
    deliveries = _due(session, job, now, size)
    if not deliveries:
        return _wait_or_finish(session, job, now)
    results = _send_all(deliveries, send, now)
    answered_at = utcnow()
    outcome = ChunkResult(more=True)
    for delivery, result in zip(deliveries, results, strict=True):
        if result is None:
            if not delivery.endpoint.active:
                delivery.state, delivery.next_try_at = "failed", None
                outcome.skipped += 1
            continue
        _record(session, delivery, result, answered_at, retry_delays)
        outcome.done += delivery.state == "delivered"
        outcome.skipped += delivery.state == "failed"
        if not result.answered and delivery.next_try_at is not None:
            # The endpoint's other due deliveries wait for the same next try.
            session.execute(
                update(WebhookDelivery)
                .where(pending, WebhookDelivery.endpoint_id == delivery.endpoint_id)
                .where(WebhookDelivery.next_try_at <= now, WebhookDelivery.id != delivery.id)
                .values(next_try_at=delivery.next_try_at)
            )
    job.done += outcome.done
    job.skipped += outcome.skipped
    session.flush()
    return outcome


def may_redeliver(delivery: WebhookDelivery) -> bool:
    """Re-deliver is offered once no try is waiting, while the endpoint is active."""
    return delivery.state != "pending" and delivery.endpoint.active


def redeliver(session: Session, delivery: WebhookDelivery, *, actor: User) -> Job:
    """Re-deliver: queue a delivered or failed delivery again (same event id, same delivery
    id, a new round of tries), in a job of its own; queued once the caller commits.

    Raises: PermissionDenied; DomainError while it is still waiting for a try, or when its
    endpoint is inactive.
    """
    require_permission(actor, WEBHOOK_PERMISSION)
    # Written first: two clicks at once wait for each other here, and the second sees the first.
    session.execute(update(DELIVERIES).where(DELIVERIES.c.id == delivery.id).values(state=DELIVERIES.c.state))
    session.refresh(delivery)
    if not may_redeliver(delivery):
        raise DomainError(ALREADY_QUEUED if delivery.state == "pending" else INACTIVE)
    title = f"Re-deliver {delivery.event} #{delivery.id} to {delivery.endpoint.url}"[:200]
    job = start_job(session, KIND, title, params={}, owner=actor, total=1)
    delivery.state, delivery.attempts, delivery.next_try_at, delivery.job_id = "pending", 0, utcnow(), job.id
    session.flush()
    queue_after_commit(session, job.id)
    return job


def delivery_log(
    session: Session, endpoint: WebhookEndpoint, *, before: int | None, limit: int
) -> list[WebhookDelivery]:
    """An endpoint's deliveries, newest first, `limit` of them before the id `before`, each
    with its attempts."""
    query: Any = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    query = query.options(selectinload(WebhookDelivery.attempt_log)).order_by(WebhookDelivery.id.desc())
    return list(session.scalars(query.limit(limit)))


def get_delivery(session: Session, endpoint: WebhookEndpoint, delivery_id: int) -> WebhookDelivery:
    """Raises: DomainError (code not_found) when the endpoint has no such delivery."""
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != endpoint.id:
        raise NotFound("This endpoint has no such delivery.")
    return delivery
