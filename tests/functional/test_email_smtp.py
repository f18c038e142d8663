"""Send Email through a real SMTP server (aiosmtpd on 127.0.0.1): what arrives, what the order
keeps, and a refusing server's failure kept on the order and retried."""

from __future__ import annotations

import email
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy
from io import BytesIO
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from models import Attachment, Email, db
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

    # Then the server received one message for both recipients, from the configured sender
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
    # And the timeline shows it, escaped
    html = response.get_data(as_text=True)
    assert "The email was sent to buyer@acme.example" in html
    assert "Hello &lt;b&gt;Bea&lt;/b&gt;" in html and "<b>Bea</b>" not in html


def test_a_refusing_server_leaves_the_email_failed_with_the_reason_and_a_retry_sends_it(
    mail_app, smtp_server, login_as, catalog, users
):
    # Given a server that refuses every message
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("sales")
    smtp_server.refuse = "554 5.7.1 Message rejected by policy"

    # When an email is sent
    response = client.post(
        f"/admin/orders/activities/email/?id={order.id}",
        data={"do": "send", "to": "buyer@acme.example", "subject": "Your order", "body": "Hello"},
        follow_redirects=True,
    )

    # Then it is kept as failed with the server's reason, and nothing arrived
    html = response.get_data(as_text=True)
    assert "could not be sent" in html and "refused the email: Message rejected by policy." in html
    stored = db.session.scalars(select(Email)).one()
    assert (stored.status, stored.attempts) == ("failed", 1)
    assert stored.error == (
        f"The mail server at 127.0.0.1:{smtp_server.port} refused the email: Message rejected by policy."
    )
    assert smtp_server.received == []
    assert "email-retry" in client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)

    # When the server accepts again and the email is retried
    smtp_server.refuse = None
    client.post("/admin/orders/activities/email/retry/", data={"email": stored.id})

    # Then it arrives and the same record is now sent, after two attempts
    db.session.expire_all()
    stored = db.session.get(Email, stored.id)
    assert (stored.status, stored.attempts, stored.error) == ("sent", 2, None)
    assert len(smtp_server.received) == 1
    assert smtp_server.messages()[0]["Subject"] == "Your order"


def test_an_unreachable_server_is_named_in_words_on_the_page_and_the_errno_goes_to_the_log(
    app, login_as, catalog, users, caplog
):
    # Given a mail server address where nothing listens
    port = _free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("sales")

    # When an email is sent
    with caplog.at_level(logging.WARNING, logger="actions.mailer"):
        response = client.post(
            f"/admin/orders/activities/email/?id={order.id}",
            data={"do": "send", "to": "buyer@acme.example", "subject": "Hi", "body": "Hello"},
            follow_redirects=True,
        )

    # Then it is kept as failed, and the user reads plain words, on the flash and on the order page
    words = f"The mail server at 127.0.0.1:{port} did not answer."
    stored = db.session.scalars(select(Email)).one()
    assert (stored.status, stored.error) == ("failed", words)
    assert words in response.get_data(as_text=True)
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert words in page and "email-retry" in page
    assert "Errno" not in page and "Connection refused" not in page
    # And the technical detail is in the log
    assert "Connection refused" in caplog.text and f"127.0.0.1:{port}" in caplog.text


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
