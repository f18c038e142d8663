"""/api/v1/orders/{id}/emails: Send Email as the panel does it (kept as pending with a job that
sends it; jobs run in the request here), the emails listed with how sending went, and Retry.
A real SMTP server (aiosmtpd on 127.0.0.1) receives what is sent."""

from __future__ import annotations

import email
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

from actions.email_templates import render_email_template
from models import Attachment, Email, Job, Order, db
from tests.factories import make_order
from tests.functional.api.order_parts import count, problem

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    port: int = 0
    received: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(envelope.content)
        return "250 Message accepted for delivery"

    def messages(self) -> list[Message]:
        return [email.message_from_bytes(raw, policy=default_policy) for raw in self.received]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp(app: Flask, tmp_path: Any) -> Iterator[SmtpSink]:
    """A real SMTP server the app sends to, for the length of one test; one try per job."""
    sink = SmtpSink(port=_free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    app.config.update(
        MAIL_SERVER=sink.host,
        MAIL_PORT=sink.port,
        MAIL_DEFAULT_SENDER="OrderDesk <orders@orderdesk.example>",
        ORDERDESK_UPLOAD_DIR=str(tmp_path / "uploads"),
        ORDERDESK_EMAIL_RETRY_DELAYS=(),
    )
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


def _send(client: Any, order_id: int, **fields: Any) -> Any:
    body = {"to": "buyer@acme.example", "subject": "Your order", "body": "It ships today.", **fields}
    return client.post(f"/api/v1/orders/{order_id}/emails", json=body)


def test_an_email_is_queued_sent_by_its_job_and_shown_with_its_attachment(api_as, order, smtp):
    client = api_as("sales")
    upload = client.post(
        f"/api/v1/orders/{order.id}/attachments",
        data={"file": (BytesIO(PDF), "quote.pdf")},
        content_type="multipart/form-data",
    )
    attachment_id = upload.get_json()["id"]

    # When an email is sent with the PDF and a Cc
    response = _send(client, order.id, cc="Boss <boss@acme.example>", attachment_ids=[attachment_id])

    # Then the call is accepted with the email and its job, which has sent it (no worker here)
    assert response.status_code == 202, response.get_data(as_text=True)
    queued = response.get_json()
    assert queued["email"]["status"] == "sent" and queued["email"]["attachments"] == [
        {"id": attachment_id, "name": "quote.pdf"}
    ]
    assert client.get(queued["job_url"]).get_json()["state"] == "done"
    assert client.get(response.headers["Location"]).get_json()["status"] == "sent"
    [message] = smtp.messages()
    assert (message["To"], message["Cc"], message["Subject"]) == (
        "buyer@acme.example",
        "Boss <boss@acme.example>",
        "Your order",
    )
    assert [part.get_filename() for part in message.iter_attachments()] == ["quote.pdf"]
    # and the order's emails list it
    listed = api_as("viewer").get(f"/api/v1/orders/{order.id}/emails").get_json()
    assert [e["subject"] for e in listed["items"]] == ["Your order"]


def test_without_a_to_the_email_goes_to_the_orders_buyer(api_as, order, smtp):
    response = api_as("sales").post(
        f"/api/v1/orders/{order.id}/emails", json={"subject": "Hello", "body": "Hi Bea"}
    )

    assert response.status_code == 202
    assert response.get_json()["email"]["to"] == "buyer@acme.example"
    assert smtp.messages()[0]["To"] == "buyer@acme.example"


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"to": "not an address"}, "validation_failed"),
        ({"to": ""}, "validation_failed"),
        ({"subject": "  "}, "validation_failed"),
        ({"body": ""}, "validation_failed"),
        ({"attachment_ids": [4242]}, "validation_failed"),
        ({"attachment_ids": ["1"]}, None),
        ({"subject": None}, None),
        ({"bcc": "spy@example.com"}, None),
    ],
    ids=[
        "bad address",
        "no recipient",
        "no subject",
        "no text",
        "not the order's file",
        "id as text",
        "null",
        "unknown field",
    ],
)
def test_a_bad_email_is_refused_and_neither_kept_nor_sent(api_as, order, smtp, fields, code):
    problem(_send(api_as("sales"), order.id, **fields), 422, code)

    assert count(Email) == 0 and count(Job) == 0 and smtp.received == []


def test_an_attachment_of_another_order_cannot_be_sent(api_as, order, smtp, catalog, users):
    other = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = api_as("sales")
    upload = client.post(
        f"/api/v1/orders/{other.id}/attachments",
        data={"file": (BytesIO(PDF), "theirs.pdf")},
        content_type="multipart/form-data",
    )

    response = _send(client, order.id, attachment_ids=[upload.get_json()["id"]])

    assert problem(response, 422, "validation_failed")["errors"] == {
        "attachments": ["Only this order's attachments can be sent with it."]
    }
    assert count(Email) == 0 and count(Attachment) == 1 and smtp.received == []


def test_a_viewer_may_read_emails_but_not_send_one(api_as, order, smtp):
    client = api_as("viewer")

    problem(_send(client, order.id), 403, "permission_denied")
    assert client.get(f"/api/v1/orders/{order.id}/emails").get_json()["items"] == []
    assert count(Email) == 0 and smtp.received == []


def test_emails_of_a_missing_order_are_a_404(api_as, smtp):
    problem(api_as("viewer").get("/api/v1/orders/999/emails"), 404, "not_found")
    problem(_send(api_as("sales"), 999), 404, "not_found")
    problem(api_as("viewer").get("/api/v1/orders/999/emails/1"), 404, "not_found")


def test_a_failed_email_is_retried_with_a_new_job(app, api_as, order, smtp):
    # Given an email that failed: the mail server was not answering
    app.config["MAIL_PORT"] = _free_port()
    client = api_as("sales")
    failed = _send(client, order.id).get_json()
    assert failed["email"]["status"] == "failed" and failed["email"]["error"]
    url = f"/api/v1/orders/{order.id}/emails/{failed['email']['id']}"

    # When it is retried with the server back
    app.config["MAIL_PORT"] = smtp.port
    response = client.post(f"{url}/retry")

    # Then a new job sends it
    assert response.status_code == 202, response.get_data(as_text=True)
    assert response.get_json()["job_id"] != failed["job_id"]
    assert response.get_json()["email"]["status"] == "sent" and len(smtp.received) == 1
    # and a sent email is not sent again
    assert problem(client.post(f"{url}/retry"), 422)["detail"] == "This email has already been sent."
    assert len(smtp.received) == 1 and count(Job) == 2


def test_a_viewer_may_not_retry_an_email(app, api_as, order, smtp):
    app.config["MAIL_PORT"] = _free_port()
    failed = _send(api_as("sales"), order.id).get_json()["email"]
    app.config["MAIL_PORT"] = smtp.port

    response = api_as("viewer").post(f"/api/v1/orders/{order.id}/emails/{failed['id']}/retry")

    problem(response, 403, "permission_denied")
    assert count(Job) == 1 and smtp.received == []


def test_the_email_templates_come_filled_for_the_order_and_send_as_the_panels_do(api_as, order, smtp, users):
    client = api_as("sales")

    # When the sales user asks for the order's email templates
    response = client.get(f"/api/v1/orders/{order.id}/email-templates/")

    # Then the order confirmation comes filled with the order's number and the sender's name
    assert response.status_code == 200
    [template] = response.get_json()["items"]
    assert (template["name"], template["label"]) == ("order_confirmation", "Order confirmation")
    assert template["subject"] == f"Order confirmation: {order.identifier}"
    assert users["sales"].full_name in template["body"]
    # and it is what the panel's "Apply template" fills Send Email with
    assert (template["subject"], template["body"]) == render_email_template(
        db.session, "order_confirmation", order, sender=users["sales"]
    )
    # and posting it sends it
    sent = _send(client, order.id, subject=template["subject"], body=template["body"])
    assert sent.status_code == 202 and smtp.messages()[0]["Subject"] == template["subject"]


def test_email_templates_of_a_missing_order_are_a_404_and_a_caller_without_a_token_gets_none(
    app, api_as, order
):
    problem(api_as("viewer").get("/api/v1/orders/987654/email-templates/"), 404, "not_found")
    problem(app.test_client().get(f"/api/v1/orders/{order.id}/email-templates/"), 401)
