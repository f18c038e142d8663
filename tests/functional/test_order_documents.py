"""Invoice and Packing Slip as PDF: read back with pypdf, they name the order, every line and
the order's own stored totals; a packing slip lists what remains to ship; the grid prints a
selection into one PDF, at once or (a large one) through a job whose page offers the file."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import Engine

from actions.discounts import add_special_discount
from actions.order_input import DiscountData
from actions.shipping import TrackingData, ship_order
from admin.formatting import money
from admin.jobs import print_file
from admin.orders import documents
from models import db
from tests.conftest import build_app, flashed_messages, job_report, login
from tests.factories import make_order

SELLER = {"ORDERDESK_SELLER_NAME": "Northwind Supply", "ORDERDESK_SELLER_ADDRESS": "1 Dock Road\\nPortsmouth"}


@pytest.fixture
def app(clean_db: Engine, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The usual test app with a seller, its files (jobs/ among them) in this test's folder."""
    application = build_app(database_url, ORDERDESK_UPLOAD_DIR=str(tmp_path / "files"), **SELLER)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_invoice_names_the_order_the_seller_every_line_and_the_stored_totals(login_as, catalog, users):
    # Given an order with a special discount, shipping and tax
    order = make_order(db.session, catalog, actor=users["sales"])
    add_special_discount(db.session, order, DiscountData("amount", "5", "Loyalty"), actor=users["sales"])
    db.session.commit()

    # When a viewer opens its Invoice
    response = login_as("viewer").get(f"/admin/orders/{order.id}/invoice.pdf")

    # Then it is a PDF shown in the browser, named after the order
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="invoice-{order.identifier}.pdf"'
    _reader, text = pdf_text(response.data)
    assert f"Order #{order.identifier}" in text
    assert "Northwind Supply" in text and "1 Dock Road" in text and "Portsmouth" in text
    for line in order.line_items:
        assert line.product_sku in text and line.product_name in text
        assert f"{line.quantity.normalize():f} {line.unit}" in text
    # the order's stored totals, formatted as the order page formats them
    for amount in (order.subtotal, order.special_discounts_total, order.shipping_cost, order.tax_total):
        assert money(amount, order.currency) in text
    assert re.search(rf"Total\s*{re.escape(money(order.total, order.currency))}", text)
    assert "Loyalty (Special Discount)" in text


def test_a_packing_slip_after_a_partial_shipment_lists_what_remains_and_the_tracking(
    login_as, catalog, users
):
    # Given an order whose widgets (2) have all shipped, its gadget not yet, with a tracking number
    order = make_order(db.session, catalog, actor=users["sales"])
    widgets, gadget = order.line_items
    ship_order(
        db.session,
        order,
        actor=users["sales"],
        quantities={widgets.id: "2"},
        trackings=[TrackingData(method="UPS", number="1Z999AA10123456784")],
    )
    db.session.commit()

    # When its Packing Slip is opened
    response = login_as("sales").get(f"/admin/orders/{order.id}/packing-slip.pdf")

    # Then it lists the gadget still to ship, not the widgets, with the tracking number
    assert response.mimetype == "application/pdf"
    assert f'filename="packing-slip-{order.identifier}.pdf"' in response.headers["Content-Disposition"]
    _reader, text = pdf_text(response.data)
    assert f"Order #{order.identifier}" in text
    assert gadget.product_sku in text and gadget.product_name in text
    assert widgets.product_sku not in text
    assert "UPS: 1Z999AA10123456784" in text


def test_the_paper_size_setting_gives_the_page_size(database_url, catalog, users):
    # Given an order, and an app set to US Letter
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    letter = build_app(database_url, ORDERDESK_PAPER_SIZE="letter")
    client = letter.test_client()
    login(client, users["viewer"].email)

    # When its invoice is printed there
    response = client.get(f"/admin/orders/{order.id}/invoice.pdf")

    # Then the pages are 8.5 × 11 in: 612 × 792 pt
    reader, _text = pdf_text(response.data)
    box = reader.pages[0].mediabox
    assert (round(box.width), round(box.height)) == (612, 792)


def test_a_paper_size_other_than_a4_or_letter_stops_the_app_with_a_clear_message(database_url):
    with pytest.raises(RuntimeError, match="ORDERDESK_PAPER_SIZE: The paper size must be A4 or Letter"):
        build_app(database_url, ORDERDESK_PAPER_SIZE="A3")


def test_print_invoices_on_a_selection_answers_one_pdf_with_every_order(login_as, catalog, users):
    # Given three orders
    orders = [make_order(db.session, catalog, actor=users["sales"]) for _ in range(3)]
    db.session.commit()
    client = login_as("viewer")

    # When a viewer ticks them and chooses Print Invoices (printing changes nothing)
    response = client.post(
        "/admin/orders/action/",
        data={"action": "print_invoice", "rowid": [str(o.id) for o in orders]},
    )

    # Then one PDF comes back with a page or more per order, A4 by default
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="invoice-3-orders.pdf"'
    reader, text = pdf_text(response.data)
    assert len(reader.pages) >= 3
    assert (round(reader.pages[0].mediabox.width), round(reader.pages[0].mediabox.height)) == (595, 842)
    for order in orders:
        assert f"Order #{order.identifier}" in text


def test_a_large_selection_is_printed_by_a_job_whose_page_offers_the_pdf(
    login_as, catalog, users, monkeypatch, tmp_path
):
    # Given selections above 2 orders go to a job printing 2 orders a chunk, and 3 orders
    monkeypatch.setattr(documents, "DIRECT_PRINT_LIMIT", 2)
    monkeypatch.setattr(print_file, "PRINT_CHUNK", 2)
    orders = [make_order(db.session, catalog, actor=users["sales"]) for _ in range(3)]
    db.session.commit()
    client = login_as("viewer")

    # When Print Packing Slips is chosen for them and an id that is no order
    response = client.post(
        "/admin/orders/action/",
        data={"action": "print_packing_slip", "rowid": [str(o.id) for o in orders] + ["999999"]},
    )

    # Then the job prints the 3 orders and skips the missing one
    report = job_report(client, response)
    assert (report.state, report.summary) == ("done", "3 orders printed; 1 skipped")
    assert report.reasons == ["Order id 999999 no longer exists"]
    job_id = report.progress["id"]
    assert "Download PDF" in client.get(f"/admin/jobs/{job_id}/").get_data(as_text=True)
    download = client.get(f"/admin/jobs/{job_id}/download")
    assert download.mimetype == "application/pdf"
    reader, text = pdf_text(download.data)
    assert len(reader.pages) >= 3
    for order in orders:
        assert f"Order #{order.identifier}" in text
    # only the joined file is kept
    assert [p.name for p in (tmp_path / "files" / "jobs" / str(job_id)).iterdir()] == [
        "packing-slip-4-orders.pdf"
    ]


def test_an_unknown_order_is_a_404_and_a_guest_is_sent_to_log_in(client, login_as, catalog, users):
    assert client.get("/admin/orders/1/invoice.pdf").status_code == 302
    viewer = login_as("viewer")
    assert viewer.get("/admin/orders/999999/invoice.pdf").status_code == 404
    assert viewer.get("/admin/orders/999999/packing-slip.pdf").status_code == 404


def test_an_empty_or_malformed_selection_prints_nothing_and_says_why(login_as, catalog, users):
    client = login_as("viewer")
    response = client.post("/admin/orders/action/", data={"action": "print_invoice"})
    assert response.status_code == 302
    assert flashed_messages(client) == ["Select at least one order to print."]
    client.post("/admin/orders/action/", data={"action": "print_invoice", "rowid": ["x1"]})
    assert flashed_messages(client) == ["'x1' is not an order id; nothing was changed."]
    # a viewer still may not post the operations that change orders
    client.post("/admin/orders/action/", data={"action": "cancel", "rowid": ["1"]})
    assert flashed_messages(client) == ["You do not have permission to perform this action."]


def test_without_pango_the_order_page_says_printing_is_unavailable(login_as, catalog, users, monkeypatch):
    # Given WeasyPrint cannot be loaded (as on a server without Pango)
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    monkeypatch.setitem(sys.modules, "weasyprint", None)

    # When the Invoice is asked for
    client = login_as("viewer")
    response = client.get(f"/admin/orders/{order.id}/invoice.pdf")

    # Then the order page says why, instead of an error
    assert response.status_code == 302
    assert response.location.endswith(f"/admin/orders/details/?id={order.id}")
    assert "Printing is not available on this server" in flashed_messages(client)[0]


def test_a_print_job_without_pango_fails_with_the_reason(login_as, catalog, users, monkeypatch):
    # Given a selection large enough for a job, on a server where WeasyPrint cannot load
    monkeypatch.setattr(documents, "DIRECT_PRINT_LIMIT", 1)
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    orders = [make_order(db.session, catalog, actor=users["sales"]) for _ in range(2)]
    db.session.commit()
    client = login_as("viewer")

    # When Print Invoices is chosen for them
    response = client.post(
        "/admin/orders/action/", data={"action": "print_invoice", "rowid": [str(o.id) for o in orders]}
    )

    # Then the job fails saying why, and offers no file
    report = job_report(client, response)
    assert report.state == "failed"
    assert report.progress["error"].startswith("Printing is not available on this server")
    download = client.get(f"/admin/jobs/{report.progress['id']}/download")
    assert download.status_code == 302
    assert flashed_messages(client) == [
        "This job has no file to download yet: a print job offers its PDF once it is done."
    ]
