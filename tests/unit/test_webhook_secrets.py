"""Roll secret (actions/webhook_secrets.py): a new secret, the previous one valid for a grace
period, and every delivery signed with each valid secret, the newest first."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from actions.errors import DomainError, PermissionDenied, ValidationFailed
from actions.lifecycle import apply_transition
from actions.webhook_delivery import request_for, run_webhook_chunk
from actions.webhook_http import AttemptResult, WebhookRequest
from actions.webhook_secrets import (
    DEFAULT_GRACE,
    expire_previous_webhook_secret,
    parse_grace,
    roll_webhook_secret,
    signing_secrets,
)
from actions.webhooks import signature
from models import Job, WebhookDelivery, WebhookEndpoint, utcnow
from tests.factories import make_order

BODY = b'{"id":"e1","type":"order.created"}'


@pytest.fixture
def endpoint(session) -> WebhookEndpoint:
    made = WebhookEndpoint(
        url="https://hooks.example/in", secret="whsec_old", events=["order.status_changed"]
    )
    session.add(made)
    session.commit()
    return made


def v1_values(header: str) -> list[str]:
    return re.findall(r"v1=([0-9a-f]+)", header)


def mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def test_the_signature_carries_one_v1_value_per_secret_the_newest_first():
    header = signature("whsec_new", 1700000000, BODY, "whsec_old")
    assert header == (
        f"t=1700000000,v1={mac('whsec_new', 1700000000, BODY)},v1={mac('whsec_old', 1700000000, BODY)}"
    )


def test_rolling_a_secret_keeps_the_previous_one_valid_for_24_hours_by_default(session, endpoint, users):
    # When an administrator rolls the endpoint's secret
    now = utcnow()
    made = roll_webhook_secret(session, endpoint, actor=users["admin"], now=now)

    # Then the new secret is the endpoint's, and the old one signs too until a day has passed
    assert made.secret.startswith("whsec_") and made.secret != "whsec_old" == endpoint.previous_secret
    assert endpoint.secret == made.secret
    assert endpoint.previous_secret_expires_at == now + DEFAULT_GRACE == now + timedelta(hours=24)
    assert signing_secrets(endpoint, now=now) == [made.secret, "whsec_old"]
    assert signing_secrets(endpoint, now=now + timedelta(hours=24) - timedelta(seconds=1)) == [
        made.secret,
        "whsec_old",
    ]
    assert signing_secrets(endpoint, now=now + timedelta(hours=24)) == [made.secret]


def test_rolling_with_expire_now_signs_with_the_new_secret_only(session, endpoint, users):
    made = roll_webhook_secret(session, endpoint, actor=users["admin"], grace=timedelta(0))
    assert (endpoint.previous_secret, endpoint.previous_secret_expires_at) == (None, None)
    assert signing_secrets(endpoint) == [made.secret]


def test_rolling_again_during_a_grace_period_ends_the_oldest_secret_at_once(session, endpoint, users):
    # Given a secret rolled an hour ago with a week's grace
    now = utcnow()
    first = roll_webhook_secret(session, endpoint, actor=users["admin"], grace=timedelta(days=7), now=now)

    # When it is rolled again with an hour's grace
    later = now + timedelta(hours=1)
    second = roll_webhook_secret(session, endpoint, actor=users["admin"], grace=timedelta(hours=1), now=later)

    # Then only the last two secrets sign, the first one for an hour more
    assert signing_secrets(endpoint, now=later) == [second.secret, first.secret]
    assert endpoint.previous_secret_expires_at == later + timedelta(hours=1)
    assert "whsec_old" not in signing_secrets(endpoint, now=later)


@pytest.mark.parametrize("grace", [timedelta(seconds=-1), timedelta(days=7, seconds=1)])
def test_a_grace_period_below_zero_or_over_a_week_is_refused_and_changes_nothing(
    session, endpoint, users, grace
):
    with pytest.raises(ValidationFailed, match="Choose how long the previous secret stays valid."):
        roll_webhook_secret(session, endpoint, actor=users["admin"], grace=grace)
    assert (endpoint.secret, endpoint.previous_secret) == ("whsec_old", None)


@pytest.mark.parametrize(
    ("text", "grace"), [("0", timedelta(0)), ("86400", timedelta(hours=24)), ("604800", timedelta(days=7))]
)
def test_a_grace_period_is_read_from_a_forms_seconds(text, grace):
    assert parse_grace(text) == grace


@pytest.mark.parametrize("text", ["", "-1", "1.5", "604801", "9" * 5000, "1 day"])
def test_a_grace_period_that_is_not_a_whole_number_of_seconds_up_to_a_week_is_refused(text):
    with pytest.raises(ValidationFailed):
        parse_grace(text)


def test_the_previous_secret_can_be_expired_before_its_grace_period_ends(session, endpoint, users):
    made = roll_webhook_secret(session, endpoint, actor=users["admin"])
    expire_previous_webhook_secret(session, endpoint, actor=users["admin"])
    assert signing_secrets(endpoint) == [made.secret]
    assert endpoint.previous_secret is None

    # And expiring it again is refused: there is none left
    with pytest.raises(DomainError, match="This endpoint has no previous secret still valid."):
        expire_previous_webhook_secret(session, endpoint, actor=users["admin"])


def test_an_expired_previous_secret_cannot_be_expired_again(session, endpoint, users):
    now = utcnow()
    roll_webhook_secret(session, endpoint, actor=users["admin"], grace=timedelta(hours=1), now=now)
    with pytest.raises(DomainError, match="no previous secret still valid"):
        expire_previous_webhook_secret(session, endpoint, actor=users["admin"], now=now + timedelta(hours=1))


@pytest.mark.parametrize("role", ["manager", "sales", "viewer"])
def test_only_an_administrator_rolls_or_expires_a_secret(session, endpoint, users, role):
    with pytest.raises(PermissionDenied):
        roll_webhook_secret(session, endpoint, actor=users[role])
    roll_webhook_secret(session, endpoint, actor=users["admin"])
    with pytest.raises(PermissionDenied):
        expire_previous_webhook_secret(session, endpoint, actor=users[role])
    assert endpoint.previous_secret == "whsec_old"


def test_a_deliverys_request_is_signed_with_both_secrets_during_the_grace_period_only(
    session, endpoint, users
):
    # Given a secret rolled with an hour's grace, and a delivery to the endpoint
    now = utcnow()
    made = roll_webhook_secret(session, endpoint, actor=users["admin"], grace=timedelta(hours=1), now=now)
    delivery = WebhookDelivery(endpoint=endpoint, event_id="e1", event="order.created", payload={"id": "e1"})

    # Then within the hour its header has a v1 for the new secret, then one for the old one
    during = request_for(delivery, timestamp=1700000000, now=now + timedelta(minutes=59))
    body = during.body
    assert v1_values(during.headers["X-OrderDesk-Signature"]) == [
        mac(made.secret, 1700000000, body),
        mac("whsec_old", 1700000000, body),
    ]
    # And after it, the new one's alone
    after = request_for(delivery, timestamp=1700000000, now=now + timedelta(hours=1))
    assert after.headers["X-OrderDesk-Signature"] == f"t=1700000000,v1={mac(made.secret, 1700000000, body)}"


def test_the_job_signs_each_try_with_the_secrets_valid_at_the_time_of_the_try(
    session, catalog, users, endpoint
):
    # Given a rolled secret (an hour's grace) and an order cancelled, its delivery waiting
    now = utcnow()
    made = roll_webhook_secret(session, endpoint, actor=users["admin"], grace=timedelta(hours=1), now=now)
    order = make_order(session, catalog, actor=users["manager"])
    session.commit()
    apply_transition(session, order, "cancel", actor=users["manager"])
    session.commit()
    job = session.scalars(select(Job).where(Job.kind == "webhook")).one()
    sent: list[WebhookRequest] = []

    def refuse(request: WebhookRequest) -> AttemptResult:
        sent.append(request)
        return AttemptResult(500, None, 1)

    # When the first try is made within the hour, and the retry after it
    run_webhook_chunk(session, job, send=refuse, retry_delays=(3600.0,), now=now + timedelta(minutes=1))
    session.commit()
    run_webhook_chunk(session, job, send=refuse, retry_delays=(3600.0,), now=now + timedelta(hours=2))
    session.commit()

    # Then the first carried both signatures, the retry the new secret's only
    first, retry = (v1_values(r.headers["X-OrderDesk-Signature"]) for r in sent)
    timestamps = [int(r.headers["X-OrderDesk-Signature"].split(",")[0][2:]) for r in sent]
    assert first == [
        mac(made.secret, timestamps[0], sent[0].body),
        mac("whsec_old", timestamps[0], sent[0].body),
    ]
    assert retry == [mac(made.secret, timestamps[1], sent[1].body)]
