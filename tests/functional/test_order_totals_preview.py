"""POST /admin/orders/totals-preview: the order form's live totals, computed by the save path
and never saved (SPEC §2.1)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import AuditEntry, Order, db
from tests.conftest import build_app
from tests.factories import PASSWORD, make_order
from tests.functional.test_order_form import _create_form, _edit_form

URL = "/admin/orders/totals-preview"


def _rows() -> tuple[int, int]:
    db.session.rollback()
    return (
        db.session.scalar(select(func.count()).select_from(Order)) or 0,
        db.session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
    )


@pytest.fixture
def order(catalog, users) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


def test_the_preview_of_a_create_form_is_the_total_the_saved_order_gets(login_as, catalog):
    # Given the create form filled in (2 widgets + 1 gadget, a 10% discount, flat-rate shipping)
    client = login_as("sales")
    form = _create_form(catalog)
    before = _rows()

    # When its totals are previewed
    response = client.post(URL, data=form)

    # Then every row comes both as a raw amount and formatted, and nothing was written
    assert response.status_code == 200
    shown = response.get_json()
    assert shown["subtotal"] == {"amount": "45.50", "text": "$45.50"}
    assert shown["discounts"]["amount"] == "4.55"
    assert [row["label"] for row in shown["rows"]][-1] == "Total"
    assert _rows() == before
    # And the order saved from the same form has that total
    assert client.post("/admin/orders/new/", data=form).status_code == 302
    saved = db.session.scalars(select(Order)).one()
    assert saved.total == Decimal(shown["total"]["amount"])


def test_the_preview_of_an_edit_shows_the_changed_total_and_leaves_the_order_alone(login_as, order):
    # Given the edit form of an order (its totals panel names the order), with the widgets
    # raised from 2 to 5
    client = login_as("sales")
    page = client.get(f"/admin/orders/edit/?id={order.id}").get_data(as_text=True)
    assert f'data-order-id="{order.id}"' in page and "order_totals.js" in page
    total, version = order.total, order.version
    form = _edit_form(order, **{"lines-0-quantity": "5", "order_id": str(order.id)})

    # When its totals are previewed
    response = client.post(URL, data=form)

    # Then the preview has the new total and the order still has its old one, at its version
    assert response.status_code == 200
    assert Decimal(response.get_json()["total"]["amount"]) > total
    db.session.rollback()
    stored = db.session.get(Order, order.id)
    assert (stored.total, stored.version) == (total, version)


BAD_INPUT = [
    ({"lines-0-quantity": "abc"}, "Line 1: quantity is not a valid number.", "quantity"),
    ({"lines-0-quantity": "1e999999"}, "Line 1: quantity", "quantity"),
    ({"discounts-0-type": "amount", "discounts-0-value": "9999"}, "cannot exceed the order subtotal", None),
    ({"customer_id": "x"}, "Customer: this value should not be blank.", "customer"),
    ({"overridden_shipping_cost": "-3"}, "Shipping cost cannot be negative.", "shipping_cost"),
]


def test_bad_input_gets_a_422_naming_the_field_and_writes_nothing(login_as, catalog):
    client = login_as("sales")
    before = _rows()
    for overrides, message, field in BAD_INPUT:
        response = client.post(URL, data=_create_form(catalog, **overrides))

        assert response.status_code == 422, overrides
        refusal = response.get_json()
        assert message in refusal["error"] and refusal["field"] == field, refusal
    assert _rows() == before


def test_a_closed_order_or_an_unknown_one_gets_no_preview(login_as, closed_order, order):
    client = login_as("sales")
    closed = client.post(URL, data=_edit_form(order, order_id=str(closed_order.id)))
    assert closed.status_code == 422 and "cannot be edited" in closed.get_json()["error"]
    assert client.post(URL, data={"order_id": "2**64"}).status_code == 404


def test_a_viewer_and_a_visitor_get_no_preview(client, login_as, catalog):
    assert client.post(URL, data=_create_form(catalog)).status_code == 302  # to the login page
    assert login_as("viewer").post(URL, data=_create_form(catalog)).status_code == 403


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match[1]


def test_the_preview_needs_the_csrf_token_like_every_post(app: Flask, catalog, users):
    # Given CSRF protection on, as in production, and a sales user on the Create Order page
    protected = build_app(app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    login = {"email": "sales@example.com", "password": PASSWORD}
    login["csrf_token"] = _csrf_token(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data=login).status_code == 302
    token = _csrf_token(client.get("/admin/orders/new/").get_data(as_text=True))
    form: dict[str, Any] = _create_form(catalog)

    # When the preview is posted without the token, it is refused; with it (as the page's
    # script sends it), it answers
    assert client.post(URL, data=form).status_code == 400
    assert client.post(URL, data=form, headers={"X-CSRFToken": token}).status_code == 200
