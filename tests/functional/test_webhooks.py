"""System > Webhooks through the panel: endpoints made, changed, their secret rolled, and
deleted by an administrator only; the delivery log with Re-deliver; and a real receiver on
127.0.0.1 that checks each signature, takes a delivery at its third try, and keeps accepting
deliveries with its old secret during a roll's grace period."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from actions import webhook_delivery, webhook_secrets
from admin.jobs.queue import job_queue
from models import Job, Order, WebhookAttempt, WebhookDelivery, WebhookEndpoint, db, utcnow
from tests.conftest import build_app, flashed_messages
from tests.factories import make_order
from tests.webhook_receiver import Receiver, signed_with, webhook_receiver

EVENTS = ["order.created", "order.status_changed"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 recording what it gets (see tests/webhook_receiver.py)."""
    with webhook_receiver() as running:
        yield running


@pytest.fixture
def private_allowed(app: Flask) -> Flask:
    """Webhooks to 127.0.0.1 allowed, as in development, with short retry delays."""
    app.config.update(ORDERDESK_WEBHOOKS_ALLOW_PRIVATE=True, ORDERDESK_WEBHOOK_RETRY_DELAYS=(0.2, 0.2))
    return app


def shown_secret(html: str) -> str:
    match = re.search(r'id="webhook-secret"[^>]*>([^<]+)<', html)
    assert match, "no secret on the page"
    return match.group(1)


def create(client: FlaskClient, url: str, events: list[str] = EVENTS, active: bool = True) -> Any:
    return client.post(
        "/admin/webhooks/new/", data={"url": url, "events": events, "active": "1" if active else ""}
    )


def endpoints() -> list[WebhookEndpoint]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


class StoppedClock:
    """The deliveries' clock, standing still until the test moves it. With real time a slow
    machine could let a retry come due while the first try's job is still running (the retry
    delays here are 0.2 s), and the job would make it at once, before the scheduler's turn."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        if self.at is None:
            self.at = utcnow()
        return self.at

    def move(self, seconds: float) -> None:
        self.at = self() + timedelta(seconds=seconds)


@pytest.fixture
def delivery_clock(monkeypatch: pytest.MonkeyPatch) -> StoppedClock:
    clock = StoppedClock()
    monkeypatch.setattr(webhook_delivery, "utcnow", clock)
    return clock


@pytest.fixture
def rotation_clock(delivery_clock: StoppedClock, monkeypatch: pytest.MonkeyPatch) -> StoppedClock:
    """The deliveries' clock, also read by Roll secret and the grace period's end."""
    monkeypatch.setattr(webhook_secrets, "utcnow", delivery_clock)
    return delivery_clock


def scheduler_runs_due_tasks(until: Callable[[], bool], clock: StoppedClock, timeout: float = 10) -> None:
    """What the worker's scheduler does every second, here every 50 ms: take the tasks whose
    time has come from the queue's schedule and run them (inline, as the tests' queue does).
    The deliveries' clock moves past the retry delay first, as time would."""
    huey = job_queue().huey
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "the retries did not come"
        clock.move(1)
        for task in huey.read_schedule():
            huey.enqueue(task)
        time.sleep(0.05)


def test_an_admin_makes_an_endpoint_and_sees_its_secret_once(private_allowed, login_as, users):
    client = login_as("admin")

    # When an administrator saves a new endpoint
    response = create(client, "http://127.0.0.1:9/hooks")

    # Then the page shows its secret, kept by no cache, and the list shows it without it
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    [endpoint] = endpoints()
    assert shown_secret(response.get_data(as_text=True)) == endpoint.secret
    assert (endpoint.url, endpoint.events, endpoint.active) == ("http://127.0.0.1:9/hooks", EVENTS, True)
    listing = client.get("/admin/webhooks/").get_data(as_text=True)
    assert "http://127.0.0.1:9/hooks" in listing and endpoint.secret not in listing
    assert endpoint.secret not in client.get(f"/admin/webhooks/{endpoint.id}/edit/").get_data(as_text=True)


def test_a_private_address_is_refused_unless_the_site_allows_it(app, login_as, users):
    # Given the default settings (ORDERDESK_WEBHOOKS_ALLOW_PRIVATE unset)
    client = login_as("admin")

    # When an endpoint on a loopback address is saved
    page = create(client, "http://127.0.0.1:8080/hooks").get_data(as_text=True)

    # Then it is refused in plain words, the form keeps what was typed, and nothing is saved
    assert "Webhooks go to public addresses only: 127.0.0.1 is 127.0.0.1, a loopback address." in page
    assert 'value="http://127.0.0.1:8080/hooks"' in page
    assert endpoints() == []


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "http://[64:ff9b::7f00:1]:8080/hooks",
            "64:ff9b::7f00:1, a loopback address (127.0.0.1 inside a NAT64 address).",
        ),
        (
            "http://[2002:c0a8:101::]/hooks",
            "2002:c0a8:101::, a private address (192.168.1.1 inside a 6to4 address).",
        ),
    ],
)
def test_an_ipv6_address_carrying_a_private_ipv4_address_is_refused_when_saved(
    app, login_as, users, url, shown
):
    # When an endpoint on an IPv6 address that embeds a loopback or private IPv4 address is saved
    page = create(login_as("admin"), url).get_data(as_text=True)

    # Then it is refused, naming the IPv4 address inside, and nothing is saved
    assert f"Webhooks go to public addresses only: {url.split('[')[1].split(']')[0]} is {shown}" in page
    assert endpoints() == []


@pytest.mark.parametrize(
    ("url", "events", "message"),
    [
        ("ftp://127.0.0.1/in", EVENTS, "A webhook URL starts with https:// (or http://)."),
        ("http://127.0.0.1/in", [], "Choose at least one event to send."),
        ("http://127.0.0.1/in", ["order.paid"], "&#39;order.paid&#39; is not a webhook event."),
    ],
)
def test_a_bad_endpoint_form_is_refused_and_saves_nothing(
    private_allowed, login_as, users, url, events, message
):
    page = create(login_as("admin"), url, events).get_data(as_text=True)
    assert message in page
    assert endpoints() == []


def test_an_admin_edits_rolls_the_secret_of_and_deletes_an_endpoint(private_allowed, login_as, users):
    client = login_as("admin")
    create(client, "http://127.0.0.1:9/hooks")
    [endpoint] = endpoints()
    secret = endpoint.secret

    # When its URL, events and active flag are changed
    response = client.post(
        f"/admin/webhooks/{endpoint.id}/edit/",
        data={"url": "http://127.0.0.1:9/v2", "events": ["order.deleted"]},
    )

    # Then they are saved, the secret kept
    assert response.status_code == 302 and flashed_messages(client) == ["The endpoint was saved."]
    [endpoint] = endpoints()
    assert (endpoint.url, endpoint.events, endpoint.active, endpoint.secret) == (
        "http://127.0.0.1:9/v2",
        ["order.deleted"],
        False,
        secret,
    )

    # When its secret is rolled, a new one is shown once, the old one valid for 24 hours
    roll = client.get(f"/admin/webhooks/{endpoint.id}/roll/").get_data(as_text=True)
    assert re.search(r'<option value="86400" selected>24 hours</option>', roll)
    page = client.post(f"/admin/webhooks/{endpoint.id}/roll/", data={"grace": "86400"})
    assert page.headers["Cache-Control"] == "no-store"
    [endpoint] = endpoints()
    assert shown_secret(page.get_data(as_text=True)) == endpoint.secret != secret
    assert endpoint.previous_secret == secret
    assert 'id="previous-secret-until"' in page.get_data(as_text=True)

    # When it is deleted, it is gone
    client.post(f"/admin/webhooks/{endpoint.id}/delete")
    assert flashed_messages(client) == [
        "The endpoint http://127.0.0.1:9/v2 was deleted, with its delivery log."
    ]
    assert endpoints() == []
    assert client.get(f"/admin/webhooks/{endpoint.id}/").status_code == 404


@pytest.mark.parametrize("role", ["manager", "sales", "viewer"])
def test_only_administrators_reach_the_webhooks_pages(private_allowed, login_as, users, role):
    # Given an endpoint with a failed delivery
    endpoint = WebhookEndpoint(url="http://127.0.0.1:9/", secret="whsec_x", events=EVENTS)
    db.session.add(endpoint)
    db.session.flush()
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id, event_id="e", event="order.created", payload={}, state="failed"
    )
    db.session.add(delivery)
    db.session.commit()
    client = login_as(role)

    # When someone else opens or posts to every page
    gets = ["/admin/webhooks/", "/admin/webhooks/new/", f"/admin/webhooks/{endpoint.id}/"]
    gets += [f"/admin/webhooks/{endpoint.id}/edit/", f"/admin/webhooks/{endpoint.id}/roll/"]
    posts = [
        ("/admin/webhooks/new/", {"url": "http://127.0.0.1:9/x", "events": EVENTS}),
        (f"/admin/webhooks/{endpoint.id}/edit/", {"url": "http://127.0.0.1:9/x", "events": EVENTS}),
        (f"/admin/webhooks/{endpoint.id}/roll/", {"grace": "86400"}),
        (f"/admin/webhooks/{endpoint.id}/expire-previous", {}),
        (f"/admin/webhooks/{endpoint.id}/delete", {}),
        (f"/admin/webhooks/{endpoint.id}/deliveries/{delivery.id}/redeliver", {}),
    ]

    # Then each is refused (sent to the dashboard) and nothing changed; the menu has no Webhooks
    for url in gets:
        response = client.get(url)
        assert (response.status_code, response.headers["Location"]) == (302, "/admin/"), url
    for url, data in posts:
        response = client.post(url, data=data)
        assert (response.status_code, response.headers["Location"]) == (302, "/admin/"), url
    [same] = endpoints()
    assert (same.url, same.secret) == ("http://127.0.0.1:9/", "whsec_x")
    assert db.session.scalar(select(WebhookDelivery.state)) == "failed"
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0
    assert "/admin/webhooks/" not in client.get("/admin/").get_data(as_text=True)


def test_the_delivery_log_is_paged_newest_first(app, login_as, users):
    # Given an endpoint with 30 deliveries
    endpoint = WebhookEndpoint(url="https://hooks.example/", secret="whsec_x", events=EVENTS)
    db.session.add(endpoint)
    db.session.flush()
    payload = {"order": {"id": 1, "number": "SO-000001"}}
    db.session.add_all(
        WebhookDelivery(
            endpoint_id=endpoint.id,
            event_id=str(n),
            event="order.created",
            payload=payload,
            state="delivered",
        )
        for n in range(30)
    )
    db.session.commit()
    ids = list(db.session.scalars(select(WebhookDelivery.id).order_by(WebhookDelivery.id.desc())))
    client = login_as("admin")

    # When the log is opened, then its older page
    first = client.get(f"/admin/webhooks/{endpoint.id}/").get_data(as_text=True)
    older = re.search(r'id="older-deliveries" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)

    # Then the 25 newest come first, the 5 oldest after, each once
    shown = [int(i) for i in re.findall(r'data-delivery-id="(\d+)"', first)]
    rest = [int(i) for i in re.findall(r'data-delivery-id="(\d+)"', second)]
    assert (shown, rest) == (ids[:25], ids[25:])
    assert "older-deliveries" not in second


def test_re_deliver_of_another_endpoints_delivery_is_not_found(app, login_as, users):
    one, other = (WebhookEndpoint(url=f"https://{n}.example/", secret="whsec_x", events=EVENTS) for n in "ab")
    db.session.add_all([one, other])
    db.session.flush()
    delivery = WebhookDelivery(
        endpoint_id=other.id, event_id="e", event="order.created", payload={}, state="failed"
    )
    db.session.add(delivery)
    db.session.commit()
    client = login_as("admin")
    assert client.post(f"/admin/webhooks/{one.id}/deliveries/{delivery.id}/redeliver").status_code == 404
    assert client.post(f"/admin/webhooks/{one.id}/deliveries/999999/redeliver").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_real_receiver_gets_a_signed_delivery_at_its_third_try_and_the_log_shows_all_three(
    private_allowed, receiver, delivery_clock, login_as, catalog, users
):
    # Given an open order, and an endpoint for status changes on a receiver that answers
    # 500 twice, then 200, and checks every signature with the secret the page showed
    order = make_order(db.session, catalog, actor=users["manager"])
    db.session.commit()
    client = login_as("admin")
    receiver.secret = shown_secret(
        create(client, receiver.url, ["order.status_changed"]).get_data(as_text=True)
    )
    receiver.answers = [500, 500]
    [endpoint] = endpoints()

    # When the order is cancelled on its page
    client.post("/admin/orders/transition/", data={"id": order.id, "transition": "cancel"})

    # Then the first try was made at once (jobs run inline here) and refused
    assert len(receiver.received) == 1
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert (delivery.state, delivery.attempts) == ("pending", 1)

    # When the queue's scheduler hands the job back as each retry comes due
    scheduler_runs_due_tasks(until=lambda: len(receiver.received) == 3, clock=delivery_clock)

    # Then the receiver got the same signed delivery three times
    first, *others = receiver.received
    assert all(r.signature_ok for r in receiver.received)
    assert all((r.body, r.path) == (first.body, "/hooks/orderdesk") for r in others)
    db.session.expire_all()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert {r.headers["X-OrderDesk-Delivery"] for r in receiver.received} == {str(delivery.id)}
    assert {r.headers["X-OrderDesk-Event"] for r in receiver.received} == {"order.status_changed"}
    body = json.loads(first.body)
    assert (body["type"], body["id"], body["order"]) == (
        "order.status_changed",
        delivery.event_id,
        {"id": order.id, "number": order.identifier},
    )
    assert body["data"] == {"from": "open", "to": "cancelled", "transition": "cancel"}
    assert body["actor_id"] == users["admin"].id

    # And the delivery is delivered, its job done, and the log shows each attempt
    assert (delivery.state, delivery.attempts) == ("delivered", 3)
    assert db.session.get(Job, delivery.job_id).state == "done"
    log = client.get(f"/admin/webhooks/{endpoint.id}/").get_data(as_text=True)
    attempts = re.findall(r'class="delivery-attempt">.*?<strong>(\d+)</strong>', log, re.S)
    assert attempts == ["500", "500", "200"]
    assert "Delivered" in log and f"redeliver-{delivery.id}" in log


def test_re_deliver_sends_a_delivery_again_to_the_receiver(
    private_allowed, receiver, login_as, catalog, users
):
    # Given an endpoint whose receiver took an order's creation
    client = login_as("admin")
    receiver.secret = shown_secret(create(client, receiver.url, ["order.created"]).get_data(as_text=True))
    make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    delivery = db.session.scalars(select(WebhookDelivery)).one()
    assert delivery.state == "delivered" and len(receiver.received) == 1

    # When an administrator presses Re-deliver
    response = client.post(f"/admin/webhooks/{delivery.endpoint_id}/deliveries/{delivery.id}/redeliver")

    # Then the receiver got it again, signed, with the same ids, and the log shows both tries
    assert response.status_code == 302
    assert flashed_messages(client) == [f"Delivery #{delivery.id} is queued again; this log shows each try."]
    assert len(receiver.received) == 2 and receiver.received[1].signature_ok
    assert receiver.received[1].body == receiver.received[0].body
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 2
    jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
    assert [(j.state, j.owner_id) for j in jobs] == [("done", None), ("done", users["admin"].id)]


def test_no_delivery_is_written_for_an_order_change_when_no_endpoint_wants_it(
    private_allowed, login_as, catalog, users
):
    # Given an endpoint for order deletions only
    client = login_as("admin")
    create(client, "http://127.0.0.1:9/", ["order.deleted"])
    order = make_order(db.session, catalog, actor=users["manager"])
    db.session.commit()

    # When the order is cancelled
    client.post("/admin/orders/transition/", data={"id": order.id, "transition": "cancel"})

    # Then nothing is sent, and no job was made
    db.session.expire_all()
    assert db.session.get(Order, order.id).internal_status == "cancelled"
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_webhook_settings_are_read_at_start_and_bad_delays_stop_the_app(database_url, monkeypatch):
    monkeypatch.delenv("ORDERDESK_WEBHOOK_RETRY_DELAYS", raising=False)
    monkeypatch.delenv("ORDERDESK_WEBHOOKS_ALLOW_PRIVATE", raising=False)
    default = build_app(database_url).config
    assert default["ORDERDESK_WEBHOOK_RETRY_DELAYS"] == (10.0, 60.0, 300.0, 1800.0)
    assert default["ORDERDESK_WEBHOOKS_ALLOW_PRIVATE"] is False
    monkeypatch.setenv("ORDERDESK_WEBHOOK_RETRY_DELAYS", "5, 30")
    monkeypatch.setenv("ORDERDESK_WEBHOOKS_ALLOW_PRIVATE", "1")
    configured = build_app(database_url).config
    assert configured["ORDERDESK_WEBHOOK_RETRY_DELAYS"] == (5.0, 30.0)
    assert configured["ORDERDESK_WEBHOOKS_ALLOW_PRIVATE"] is True
    monkeypatch.setenv("ORDERDESK_WEBHOOK_RETRY_DELAYS", "10s,1m")
    with pytest.raises(RuntimeError, match="ORDERDESK_WEBHOOK_RETRY_DELAYS must be seconds"):
        build_app(database_url)


def test_rolling_with_a_grace_period_the_list_offers_to_expire_the_previous_secret_now(
    private_allowed, login_as, users
):
    # Given an endpoint whose secret was rolled with an hour's grace
    client = login_as("admin")
    create(client, "http://127.0.0.1:9/hooks")
    [endpoint] = endpoints()
    old = endpoint.secret
    client.post(f"/admin/webhooks/{endpoint.id}/roll/", data={"grace": "3600"})

    # Then the list says until when the previous secret is valid, and offers to end it
    listing = client.get("/admin/webhooks/").get_data(as_text=True)
    assert "previous secret valid until" in listing and f"expire-previous-{endpoint.id}" in listing
    assert old not in listing

    # When an administrator expires it now
    response = client.post(f"/admin/webhooks/{endpoint.id}/expire-previous")

    # Then it is gone, deliveries are signed with the current secret only, and the list says nothing more
    assert response.status_code == 302
    assert flashed_messages(client) == [
        "The previous secret has expired: deliveries are signed with the current secret only."
    ]
    [endpoint] = endpoints()
    assert endpoint.previous_secret is None
    assert "previous secret valid until" not in client.get("/admin/webhooks/").get_data(as_text=True)

    # And expiring it again is refused in plain words
    client.post(f"/admin/webhooks/{endpoint.id}/expire-previous")
    assert flashed_messages(client) == ["This endpoint has no previous secret still valid."]


@pytest.mark.parametrize("grace", ["", "-5", "604801", "a day"])
def test_rolling_with_a_grace_period_not_offered_is_refused_and_keeps_the_secret(
    private_allowed, login_as, users, grace
):
    client = login_as("admin")
    create(client, "http://127.0.0.1:9/hooks")
    [endpoint] = endpoints()
    old = endpoint.secret
    page = client.post(f"/admin/webhooks/{endpoint.id}/roll/", data={"grace": grace})
    assert page.status_code == 200 and 'id="webhook-secret"' not in page.get_data(as_text=True)
    assert "Choose how long the previous secret stays valid." in page.get_data(as_text=True)
    [endpoint] = endpoints()
    assert (endpoint.secret, endpoint.previous_secret) == (old, None)


def test_rolling_with_expire_now_signs_with_the_new_secret_alone_at_once(private_allowed, login_as, users):
    client = login_as("admin")
    create(client, "http://127.0.0.1:9/hooks")
    [endpoint] = endpoints()
    page = client.post(f"/admin/webhooks/{endpoint.id}/roll/", data={"grace": "0"}).get_data(as_text=True)
    [endpoint] = endpoints()
    assert shown_secret(page) == endpoint.secret and endpoint.previous_secret is None
    assert "The previous secret has expired: deliveries are signed with this one only." in page


def test_a_real_receiver_holding_the_old_secret_verifies_deliveries_until_the_grace_period_ends(
    private_allowed, receiver, rotation_clock, login_as, catalog, users
):
    # Given an endpoint for new orders on a receiver that checks signatures with the secret
    # the page showed when the endpoint was made
    client = login_as("admin")
    old = shown_secret(create(client, receiver.url, ["order.created"]).get_data(as_text=True))
    receiver.secret = old
    [endpoint] = endpoints()

    # When an administrator rolls the secret with the default grace period (24 hours)
    page = client.post(f"/admin/webhooks/{endpoint.id}/roll/", data={"grace": "86400"})
    new = shown_secret(page.get_data(as_text=True))

    # And an order is created a second before the grace period ends
    rotation_clock.move(24 * 3600 - 1)
    make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()

    # Then the receiver, still holding the old secret, verified it; the header carries two
    # v1 values, the new secret's first
    [during] = receiver.received
    assert during.signature_ok is True
    assert signed_with(new, during.headers, during.body)
    header = during.headers["X-OrderDesk-Signature"]
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}", header)

    # When the grace period has ended and another order is created
    rotation_clock.move(1)
    make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()

    # Then the delivery carries the new secret's signature only: the old secret no longer
    # verifies it, the new one does
    after = receiver.received[1]
    assert after.signature_ok is False
    assert signed_with(new, after.headers, after.body)
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", after.headers["X-OrderDesk-Signature"])
    db.session.expire_all()
    assert [d.state for d in db.session.scalars(select(WebhookDelivery))] == ["delivered", "delivered"]
