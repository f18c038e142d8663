"""Send Email through a real SMTP server (aiosmtpd on 127.0.0.1), by the job worker: what
arrives, what the order keeps, a refusing or absent server's failures tried again later, and
the email failed after the last try, with Retry starting a new job.

Jobs run in the request that queues them here (ORDERDESK_JOBS_IMMEDIATE); a retry's later
run is `run_job(job_id)`, as the worker calls it when the retry comes due."""

from __future__ import annotations

import email
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from email.policy import default as default_policy
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import func, select

from admin.jobs.runner import run_job
from models import Attachment, Email, Job, db, utcnow
from tests.conftest import build_app, flashed_messages
from tests.factories import make_order


@dataclass
class SmtpSink:
    """What an aiosmtpd handler received; set `refuse` to an SMTP reply to refuse messages."""

    host: str = "127.0.0.1"
    port: int = 0
    refuse: str | None = None
    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse:
            return self.refuse
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def messages(self) -> list[Message]:
        return [email.message_from_bytes(raw, policy=default_policy) for _from, _to, raw in self.received]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    """A real SMTP server on 127.0.0.1, in a thread, for the length of one test."""
    sink = SmtpSink(port=_free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def mail_app(app: Flask, smtp_server: SmtpSink, tmp_path: Any) -> Flask:
    app.config.update(
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        MAIL_DEFAULT_SENDER="OrderDesk <orders@orderdesk.example>",
        ORDERDESK_UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    return app


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_sent_email_arrives_with_its_headers_body_and_attachment(
    mail_app, smtp_server, login_as, catalog, users
):
    # Given an order with a PDF attached, and a sales user on it
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("sales")
    client.post(
        f"/admin/orders/activities/attachment/?id={order.id}",
        data={"file": (BytesIO(PDF), "quote.pdf"), "comment": ""},
        content_type="multipart/form-data",
    )
    page = client.get(f"/admin/orders/activities/email/?id={order.id}").get_data(as_text=True)
    assert 'value="buyer@acme.example"' in page  # the customer user's email is the default To

    # When the Order confirmation template is applied, then the email is sent with the PDF
    filled = client.post(
        f"/admin/orders/activities/email/?id={order.id}",
        data={"do": "apply_template", "template": "order_confirmation", "to": "buyer@acme.example"},
    )
    assert f"Order confirmation: {order.identifier}" in filled.get_data(as_text=True)
    pdf = db.session.scalars(select(Attachment)).one()
    response = client.post(
        f"/admin/orders/activities/email/?id={order.id}",
        data={
            "do": "send",
            "to": "buyer@acme.example",
            "cc": "Boss <boss@acme.example>",
            "subject": f"Order confirmation: {order.identifier}",
            "body": "Hello <b>Bea</b>,\nyour order is confirmed.\nTotal: $60.05",
            "attachments": [str(pdf.id)],
        },
        follow_redirects=True,
    )

    # Then the request queued a job, which sent it (at once here: no worker process)
    html = response.get_data(as_text=True)
    assert "The email is queued; the timeline shows when it is sent." in html
    job = db.session.scalars(select(Job)).one()
    assert (job.kind, job.state, job.done, job.total, job.error) == ("email", "done", 1, 1, None)
    assert job.title == f"Send email “Order confirmation: {order.identifier}” (order {order.identifier})"
    assert job.owner_id == users["sales"].id
    job_page = client.get(f"/admin/jobs/{job.id}/").get_data(as_text=True)
    assert "Send email “Order confirmation:" in job_page and "1 of 1 done" in job_page
    # And the server received one message for both recipients, from the configured sender
    assert len(smtp_server.received) == 1
    mail_from, rcpt_tos, _raw = smtp_server.received[0]
    assert mail_from == "orders@orderdesk.example"
    assert sorted(rcpt_tos) == ["boss@acme.example", "buyer@acme.example"]
    message = smtp_server.messages()[0]
    assert message["Subject"] == f"Order confirmation: {order.identifier}"
    assert message["Cc"] == "Boss <boss@acme.example>"
    assert message["Reply-To"] == "sales@example.com"
    assert message["X-OrderDesk-Order"] == order.identifier
    assert "your order is confirmed" in message.get_body(("plain",)).get_content()
    files = [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]
    assert files == [("quote.pdf", PDF)]
    # And the order keeps what was sent, marked sent
    stored = db.session.scalars(select(Email)).one()
    assert (stored.status, stored.attempts, stored.error) == ("sent", 1, None)
    assert stored.message_id == message["Message-ID"]
    assert stored.headers["Subject"] == message["Subject"]
    assert stored.attachments == [{"id": pdf.id, "name": "quote.pdf"}]
    assert stored.sent_at is not None
    # And the timeline shows it sent, escaped, with no Retry
    assert _status(html) == "Sent"
    assert "Hello &lt;b&gt;Bea&lt;/b&gt;" in html and "<b>Bea</b>" not in html
    assert "email-retry" not in html


def _status(html: str) -> str:
    """The email's status badge on the order page (one email)."""
    found = re.findall(r'class="badge email-status[^"]*">([^<]*)<', html)
    assert len(found) == 1, found
    return found[0]


def _send(client: Any, order: Any, **data: str) -> Any:
    """Send Email, following the way back to the order page; the test reads afresh after."""
    values = {"do": "send", "to": "buyer@acme.example", "subject": "Your order", "body": "Hello"}
    values.update(data)
    response = client.post(
        f"/admin/orders/activities/email/?id={order.id}", data=values, follow_redirects=True
    )
    db.session.expire_all()
    return response


def _page(client: Any, order: Any) -> str:
    return client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)


def _run_when_due(job_id: int) -> None:
    """What the worker does when the job's next try comes due: the clock moved on (its
    `run_after` is now past), then `run_job`."""
    job = db.session.get(Job, job_id)
    job.run_after = utcnow() - timedelta(seconds=1)
    db.session.commit()
    run_job(job_id)


def _fresh(model: Any, row_id: int) -> Any:
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_a_refusing_server_is_tried_three_times_then_the_email_is_failed_and_retry_sends_it(
    mail_app, smtp_server, login_as, catalog, users
):
    # Given a server that refuses every message
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("sales")
    smtp_server.refuse = "554 5.7.1 Message rejected by policy"
    words = f"The mail server at 127.0.0.1:{smtp_server.port} refused the email: Message rejected by policy."

    # When an email is sent
    before = utcnow()
    response = _send(client, order)

    # Then the first try failed: the email is still to be sent, with the reason, and the
    # job waits two minutes for the next try
    html = response.get_data(as_text=True)
    assert "The email is queued" in html
    stored = db.session.scalars(select(Email)).one()
    job = db.session.scalars(select(Job)).one()
    assert (stored.status, stored.attempts, stored.error) == ("pending", 1, words)
    assert (job.state, job.claim, job.cursor) == ("queued", None, 1)
    assert before + timedelta(seconds=119) <= job.run_after <= utcnow() + timedelta(seconds=121)
    assert smtp_server.received == []
    # And the timeline says so: Queued, which try failed and why, when the next one is; no Retry
    next_try = job.run_after.astimezone(ZoneInfo("UTC"))
    assert _status(html) == "Queued"
    assert f"Attempt 1 failed: {words.rstrip('.')}; next try about {next_try:%H:%M} UTC." in html
    assert "email-retry" not in html
    # And Retry is refused meanwhile
    client.post("/admin/orders/activities/email/retry/", data={"email": stored.id})
    assert flashed_messages(client) == ["This email is already queued; the timeline shows when it is sent."]
    assert db.session.scalar(select(func.count()).select_from(Job)) == 1

    # When the worker runs the job for the second and the third time, still refused
    _run_when_due(job.id)
    assert (_fresh(Email, stored.id).status, _fresh(Job, job.id).state) == ("pending", "queued")
    _run_when_due(job.id)

    # Then the email is failed with the server's reason, and so is the job
    stored, job = _fresh(Email, stored.id), _fresh(Job, job.id)
    assert (stored.status, stored.attempts, stored.error) == ("failed", 3, words)
    assert (job.state, job.error) == ("failed", words)
    page = _page(client, order)
    assert _status(page) == "Failed" and words in page and "email-retry" in page
    assert smtp_server.received == []

    # When the server accepts again and the email is retried
    smtp_server.refuse = None
    client.post("/admin/orders/activities/email/retry/", data={"email": stored.id})

    # Then a new job sent it: the same record is now sent, after four attempts
    assert flashed_messages(client) == ["The email is queued again; the timeline shows when it is sent."]
    stored = _fresh(Email, stored.id)
    assert (stored.status, stored.attempts, stored.error) == ("sent", 4, None)
    jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
    assert [(j.state, j.done) for j in jobs] == [("failed", 0), ("done", 1)]
    assert len(smtp_server.received) == 1
    assert smtp_server.messages()[0]["Subject"] == "Your order"
    assert _status(_page(client, order)) == "Sent"


def test_retry_on_a_failed_email_queues_a_new_job_that_sends_it(
    mail_app, smtp_server, login_as, catalog, users
):
    # Given one try only (no retry delays), and an email that failed while the server refused
    mail_app.config["ORDERDESK_EMAIL_RETRY_DELAYS"] = ()
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("sales")
    smtp_server.refuse = "451 4.3.0 Try again later"
    page = _send(client, order).get_data(as_text=True)
    stored = db.session.scalars(select(Email)).one()
    assert (stored.status, stored.attempts) == ("failed", 1)
    assert db.session.scalars(select(Job.state)).all() == ["failed"]
    assert _status(page) == "Failed" and "email-retry" in page

    # When the server is back and Retry is pressed
    smtp_server.refuse = None
    response = client.post(
        "/admin/orders/activities/email/retry/", data={"email": stored.id}, follow_redirects=True
    )

    # Then a second job sent it, and the timeline shows it sent
    assert len(smtp_server.received) == 1
    db.session.expire_all()
    assert db.session.scalars(select(Job.state).order_by(Job.id)).all() == ["failed", "done"]
    html = response.get_data(as_text=True)
    assert "The email is queued again" in html
    assert _status(html) == "Sent" and "email-retry" not in html


def test_an_smtp_outage_loses_nothing_the_email_goes_out_once_the_server_is_up(
    app, login_as, catalog, users, caplog
):
    # Given a mail server address where nothing listens yet
    sink = SmtpSink(port=_free_port())
    app.config.update(MAIL_SERVER=sink.host, MAIL_PORT=sink.port)
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("sales")

    # When an email is sent
    with caplog.at_level(logging.WARNING, logger="actions.mailer"):
        response = _send(client, order, subject="Delivery date")

    # Then the first try failed, in plain words; the email waits for the next one
    words = f"The mail server at 127.0.0.1:{sink.port} did not answer."
    stored = db.session.scalars(select(Email)).one()
    job = db.session.scalars(select(Job)).one()
    assert (stored.status, stored.error, job.state) == ("pending", words, "queued")
    html = response.get_data(as_text=True)
    assert _status(html) == "Queued" and f"Attempt 1 failed: {words.rstrip('.')}; next try about" in html
    assert "Errno" not in html and "Connection refused" not in html
    # And the technical detail is in the log
    assert "Connection refused" in caplog.text and f"127.0.0.1:{sink.port}" in caplog.text

    # When the server comes up on that port, and the worker runs the job as its retry is due
    # (a copy of the job that runs earlier, say queued again at a worker's start, makes no try)
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    try:
        run_job(job.id)
        assert sink.received == [] and _fresh(Job, job.id).state == "queued"
        _run_when_due(job.id)
    finally:
        controller.stop()

    # Then the message arrived, and the order shows it sent after two attempts
    assert len(sink.received) == 1
    assert sink.messages()[0]["Subject"] == "Delivery date"
    stored, job = _fresh(Email, stored.id), _fresh(Job, job.id)
    assert (stored.status, stored.attempts, stored.error) == ("sent", 2, None)
    assert (job.state, job.done) == ("done", 1)
    page = _page(client, order)
    assert _status(page) == "Sent" and "next try" not in page and words not in page


def test_a_job_run_again_after_the_email_was_sent_sends_nothing(
    mail_app, smtp_server, login_as, catalog, users
):
    # Given an email that was sent by its job
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    _send(login_as("sales"), order)
    job = db.session.scalars(select(Job)).one()
    assert len(smtp_server.received) == 1

    # When the job is queued and run again (a worker that died before recording its end)
    job.state, job.done = "queued", 0
    db.session.commit()
    run_job(job.id)

    # Then nothing more went out, and the job is done
    assert len(smtp_server.received) == 1
    assert (_fresh(Job, job.id).state, _fresh(Job, job.id).done) == ("done", 1)


def test_email_retry_delays_that_are_not_seconds_stop_the_app_at_start(database_url, monkeypatch):
    monkeypatch.setenv("ORDERDESK_EMAIL_RETRY_DELAYS", "2m,8m")
    with pytest.raises(RuntimeError, match="ORDERDESK_EMAIL_RETRY_DELAYS must be seconds"):
        build_app(database_url)
    monkeypatch.setenv("ORDERDESK_EMAIL_RETRY_DELAYS", "30, 90,300")
    assert build_app(database_url).config["ORDERDESK_EMAIL_RETRY_DELAYS"] == (30.0, 90.0, 300.0)
    monkeypatch.delenv("ORDERDESK_EMAIL_RETRY_DELAYS")
    assert build_app(database_url).config["ORDERDESK_EMAIL_RETRY_DELAYS"] == (120.0, 480.0)


@pytest.mark.parametrize("to", ["not-an-address", "bob@", "a@b.c, <x@y>", "evil@x.com\r\nBcc: z@z.com"])
def test_an_invalid_address_is_refused_before_anything_is_sent_or_kept(
    mail_app, smtp_server, login_as, catalog, users, to
):
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()

    response = login_as("sales").post(
        f"/admin/orders/activities/email/?id={order.id}",
        data={"do": "send", "to": to, "subject": "Hi", "body": "Hello"},
    )

    assert response.status_code == 200  # the form again, with the message
    assert "is not a valid email address" in response.get_data(as_text=True)
    assert db.session.scalars(select(Email)).all() == []
    assert smtp_server.received == []
