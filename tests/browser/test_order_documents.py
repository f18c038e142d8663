"""A viewer prints an order's Invoice from its page, and the Packing Slips of two orders
ticked in the grid as one PDF, through Debian's Chromium against a live server."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from pypdf import PdfReader


def test_a_viewer_prints_an_invoice_and_the_packing_slips_of_a_selection(
    page: Page, live_server: Any, sign_in: Any
) -> None:
    base = live_server.url
    first, second = live_server.numbers_with_status("open")[:2]
    sign_in(page, base, "viewer")

    # Given the viewer has the first open order's page in front of them
    page.goto(f"{base}/admin/orders/?search={first}")
    page.get_by_title("View", exact=True).first.click()
    expect(page.locator("#order-title")).to_contain_text(first)

    # When the page is printed, Then the order prints without the menus and buttons
    page.emulate_media(media="print")
    expect(page.locator("#order-title")).to_be_visible()
    expect(page.locator("#section-line-items")).to_be_visible()
    expect(page.locator("nav.navbar")).to_be_hidden()
    expect(page.locator("#order-actions")).to_be_hidden()
    page.emulate_media(media="screen")

    # When they click Invoice, Then the answer is the order's invoice as a PDF
    with page.expect_response(lambda r: r.url.endswith("/invoice.pdf")) as answer:
        page.get_by_role("link", name="Invoice", exact=True).click()
    response = answer.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f"invoice-{first}.pdf" in response.headers["content-disposition"]

    # When they tick two open orders in the grid (in another tab: this one shows the PDF) and
    # choose With selected > Print Packing Slips
    page = page.context.new_page()
    page.goto(f"{base}/admin/orders/")
    for number in (first, second):
        page.get_by_role("checkbox", name=f"Select record {number}").check()
    page.get_by_role("button", name="With selected").click()
    with page.expect_download() as download_info:
        page.locator("[data-model-action='print_packing_slip']").click()

    # Then one PDF downloads with both orders' packing slips
    download = download_info.value
    assert download.suggested_filename == "packing-slip-2-orders.pdf"
    reader = PdfReader(io.BytesIO(Path(download.path()).read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert f"Order #{first}" in text and f"Order #{second}" in text
