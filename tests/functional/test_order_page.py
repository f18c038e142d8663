"""The order page shows an order's sections, and unknown ids are a 404, not an error."""

from __future__ import annotations

import re

from models import db
from tests.factories import make_order, order_in_status


def test_the_order_page_shows_every_section_and_the_totals_rows(login_as, catalog, users):
    # Given an order of 2 × $10.00 + 1 × $25.50, $10 shipping and 10% US tax
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("viewer")

    # When the viewer opens its page
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)

    # Then every section is there with the computed rows
    assert f"Order #{order.identifier}" in page
    for section in ("General", "Line Items", "Shipping", "Discounts", "Totals", "Change History"):
        assert section in page
    assert "$45.50" in page  # subtotal
    assert "$4.55" in page  # tax on the subtotal
    assert "$60.05" in page  # total: 45.50 + 10.00 + 4.55
    assert "Acme Industrial" in page and "WID-1" in page


def test_an_unknown_order_id_is_a_404(login_as):
    client = login_as("viewer")
    assert client.get("/admin/orders/details/?id=999999").status_code == 404
    assert client.get("/admin/orders/details/?id=abc").status_code == 404


def test_the_customer_and_customer_user_pages_list_their_orders_and_offer_create_order(
    login_as, catalog, users
):
    # Given an order of the demo customer's buyer
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    client = login_as("sales")

    for endpoint, key, record in (
        ("customers", "customer_id", catalog["customer"]),
        ("customer_users", "customer_user_id", catalog["buyer"]),
    ):
        # When the sales user opens the page
        page = client.get(f"/admin/{endpoint}/details/?id={record.id}").get_data(as_text=True)

        # Then it lists the order and links Create Order pre-filled with the record
        assert order.identifier in page
        assert f"/admin/orders/new/?{key}={record.id}" in page


def test_create_order_from_a_customer_user_page_prefills_customer_and_user(login_as, catalog):
    client = login_as("sales")
    page = client.get(f"/admin/orders/new/?customer_user_id={catalog['buyer'].id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'value="Acme Industrial"' in html
    assert f'name="customer_id" type="hidden" value="{catalog["customer"].id}"' in html


def test_change_history_and_activity_describe_changes_in_words_not_internal_names(login_as, catalog, users):
    # Given an order whose widget line went from 2 to 12
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    order.line_items[0].quantity = 12
    db.session.commit()
    client = login_as("viewer")

    # When its page is opened
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)

    # Then the Change History and the Activity say what happened as a person would
    history = page[page.index('id="change-history"') :]
    activity = page[page.index('id="section-activity"') : page.index('id="change-history"')]
    for section in (history, activity):
        assert "Quantity of WID-1: 2 → 12" in section
        assert "Added line item WID-1 (2 × Widget)" in section
        assert "OrderLineItem" not in section and "Line Item #" not in section
    assert f"Created order {order.identifier}" in history


def test_a_sales_user_reads_why_cancel_and_close_are_not_offered(login_as, catalog, users):
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    html = login_as("sales").get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert 'id="transition-cancel"' not in html and 'id="transition-close"' not in html
    assert "Cancel and Close need a manager or an administrator." in html


def test_a_closed_order_says_it_can_only_be_archived(login_as, catalog, users):
    order = order_in_status(db.session, catalog, "closed", actor=users["admin"])
    db.session.commit()
    html = login_as("manager").get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert "Closed orders can only be archived." in html and 'id="transition-archive"' in html
    assert "need a manager" not in html


def test_the_order_page_links_the_customer_and_shows_each_address_on_separate_lines(login_as, catalog, users):
    order = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    html = login_as("sales").get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    customer_url = f"/admin/customers/details/?id={order.customer_id}"
    assert f'<a href="{customer_url}">Acme Industrial</a>' in html
    addresses = re.findall(r"<address[^>]*>(.*?)</address>", html, re.S)
    assert len(addresses) == 2
    for address in addresses:
        lines = [" ".join(line.split()) for line in address.split("<br>")]
        assert lines == ["Bea Buyer", "1 Main St", "Springfield, IL 12345", "US"]
