"""A sales user adds a note and an attachment to an order, sends an email that a real SMTP
server receives (through the email job), and sees all three in the order's Activity timeline
(SPEC §6)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect
from sqlalchemy import Engine

from models import db
from tests.browser.conftest import _seed, serve
from tests.conftest import build_app
from tests.functional.test_email_smtp import SmtpSink, _free_port


@dataclass
class ActivityServer:
    url: str
    order_id: int
    order_number: str
    smtp: SmtpSink
    uploads: Path


@pytest.fixture
def activity_server(clean_db: Engine, database_url: str, tmp_path: Path) -> Iterator[ActivityServer]:
    """live_server's data, served with uploads in a temporary folder and mail going to an
    aiosmtpd server on 127.0.0.1."""
    sink = SmtpSink(port=_free_port())
    controller = Controller(sink, hostname=sink.host, port=sink.port)
    controller.start()
    uploads = tmp_path / "uploads"
    overrides = {
        "ORDERDESK_UPLOAD_DIR": str(uploads),
        "MAIL_SERVER": sink.host,
        "MAIL_PORT": sink.port,
        "MAIL_DEFAULT_SENDER": "OrderDesk <orders@orderdesk.example>",
    }
    app = build_app(database_url, **overrides)
    with app.app_context():
        orders, _customer = _seed()
        number = sorted(orders)[0]
        from sqlalchemy import select

        from models import Order

        order_id = db.session.scalar(select(Order.id).where(Order.identifier == number))
        db.session.remove()
        db.engine.dispose()
    try:
        with serve(database_url, **overrides) as url:
            yield ActivityServer(url, order_id, number, sink, uploads)
    finally:
        controller.stop()


def test_a_note_an_attachment_and_an_email_appear_in_the_order_timeline(
    page: Page, activity_server: ActivityServer, sign_in: Any, screenshot_dir: Path, tmp_path: Path
) -> None:
    base, order_id = activity_server.url, activity_server.order_id
    pdf = tmp_path / "signed-po.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    # Given the sales user on the order page
    sign_in(page, base, "sales")
    page.goto(f"{base}/admin/orders/details/?id={order_id}")
    expect(page.locator("#order-title")).to_contain_text(activity_server.order_number)

    # When they add a note
    page.locator("#add-note").click()
    page.get_by_label("Note", exact=True).fill("Customer wants <b>early</b> delivery")
    page.locator("#save-note").click()
    expect(page.locator(".alert")).to_contain_text("The note was added.")

    # And attach a PDF with a comment
    page.locator("#add-attachment").click()
    page.get_by_label("File").set_input_files(str(pdf))
    page.get_by_label("Comment").fill("Signed PO")
    page.locator("#save-attachment").click()
    expect(page.locator(".alert")).to_contain_text("The file was attached.")

    # And send the Order confirmation with the PDF to the customer user (the default To)
    page.locator("#send-email").click()
    expect(page.get_by_label("To", exact=True)).to_have_value("buyer@acme.example")
    page.get_by_label("Template", exact=True).select_option("order_confirmation")
    page.locator("#apply-template").click()
    expect(page.get_by_label("Subject", exact=True)).to_have_value(
        f"Order confirmation: {activity_server.order_number}"
    )
    page.get_by_label("signed-po.pdf").check()
    page.locator("#send-email-button").click()
    expect(page.locator(".alert")).to_contain_text("The email is queued; the timeline shows when it is sent.")

    # Then the job sent it (at once: these tests run jobs in the request), the SMTP server
    # received it with the PDF
    assert len(activity_server.smtp.received) == 1
    message = activity_server.smtp.messages()[0]
    assert message["To"] == "buyer@acme.example"
    assert [p.get_filename() for p in message.iter_attachments()] == ["signed-po.pdf"]
    assert activity_server.order_number in message.get_body(("plain",)).get_content()

    # And the timeline (all types) shows the three, newest first, with who did it
    page.goto(f"{base}/admin/orders/details/?id={order_id}")
    items = page.locator("#activity-timeline .activity-item")
    kinds = [
        k
        for k in items.evaluate_all("els => els.map(e => e.dataset.kind)")
        if k in ("note", "attachment", "email")
    ]
    assert kinds == ["email", "attachment", "note"]
    email = page.locator(".activity-email")
    expect(email.locator(".email-subject")).to_have_text(
        f"Order confirmation: {activity_server.order_number}"
    )
    expect(email.locator(".email-status")).to_have_text("Sent")
    expect(page.locator(".activity-note .activity-body")).to_have_text(
        "Customer wants <b>early</b> delivery"
    )  # shown as typed, not as markup
    expect(page.locator(".activity-attachment .attachment-download")).to_have_text("signed-po.pdf")
    expect(page.locator(".activity-note .activity-who")).to_have_text("Sales User")
    page.screenshot(path=str(screenshot_dir / "activity-timeline.png"), full_page=True)

    # And the Emails filter shows only the email
    page.locator("#activity-filter [data-kind=email]").click()
    expect(page.locator("#activity-timeline .activity-item")).to_have_count(1)
    expect(page.locator("#activity-timeline .activity-email")).to_have_count(1)

    # And the attachment downloads as a file
    page.goto(f"{base}/admin/orders/details/?id={order_id}&activity=attachment")
    with page.expect_download() as download_info:
        page.locator(".attachment-download").click()
    download = download_info.value
    assert download.suggested_filename == "signed-po.pdf"
    assert Path(download.path()).read_bytes() == pdf.read_bytes()
