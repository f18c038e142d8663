"""The order page's quick dialogs (Add Coupon Code, Add Special Discount, Add Note, Shipping
Tracking): `?dialog=1` answers the form alone, without the page around it, for the modal;
refusals come back in the same form, and the CSRF token is still required."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from models import Note, Order, db
from tests.conftest import build_app
from tests.factories import PASSWORD, make_order

FORMS = {
    "coupon": ("/admin/orders/coupon/", "add-coupon-form", "Add Coupon Code"),
    "discount": ("/admin/orders/discount/", "special-discount-form", "Add Special Discount"),
    "note": ("/admin/orders/activities/note/", "note-form", "Add Note"),
    "trackings": ("/admin/orders/trackings/", "trackings-form", "Shipping Tracking"),
}


@pytest.fixture
def order(catalog, users) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


def _notes() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Note))


@pytest.mark.parametrize("name", sorted(FORMS))
def test_each_quick_dialog_answers_its_form_alone_when_asked_and_the_full_page_otherwise(
    login_as, order, name
):
    path, form_id, heading = FORMS[name]
    client = login_as("sales")

    # When the dialog's form is asked for with ?dialog=1
    fragment = client.get(f"{path}?id={order.id}&dialog=1")

    # Then it is the form with its heading, without the page's layout
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert html.lstrip().startswith("<div data-dialog-fragment>")
    assert f'id="{form_id}"' in html and heading in html and 'name="csrf_token"' in html
    assert "<html" not in html and "<nav" not in html and "<script" not in html

    # And without it, the same URL is the full page, as before
    page = client.get(f"{path}?id={order.id}").get_data(as_text=True)
    assert f'id="{form_id}"' in page and "<nav" in page and "data-dialog-fragment" not in page


def test_a_refused_coupon_comes_back_in_the_dialog_with_its_message_and_the_typed_code(login_as, order):
    client = login_as("sales")

    # When an unknown code is sent from the dialog
    response = client.post(f"/admin/orders/coupon/?id={order.id}&dialog=1", data={"code": "NOPE"})

    # Then the dialog's form comes back, announcing why, with the code still in it
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith("<div data-dialog-fragment>") and "<nav" not in html
    assert re.search(r'role="alert">.*NOPE', html, re.S)
    assert 'value="NOPE"' in html


def test_a_refused_special_discount_comes_back_in_the_dialog_with_its_values(login_as, order):
    client = login_as("sales")
    response = client.post(
        f"/admin/orders/discount/?id={order.id}&dialog=1",
        data={"type": "amount", "value": "lots", "description": "Loyalty"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "data-dialog-fragment" in html and "<nav" not in html and 'role="alert"' in html
    assert 'value="lots"' in html and 'value="Loyalty"' in html


def test_a_note_saved_from_the_dialog_goes_back_to_the_order_page(login_as, order):
    client = login_as("sales")
    url = f"/admin/orders/activities/note/?id={order.id}&dialog=1"
    response = client.post(url, data={"body": "Call first"})

    # Then the answer is the usual way back to the order (the dialog swaps that page in)
    assert response.status_code == 302
    assert f"/admin/orders/details/?id={order.id}" in response.location
    assert _notes() == 1


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found[1]


@pytest.fixture
def csrf_client(app: Flask, users: dict[str, Any]) -> Any:
    """A sales user's client on a second app with CSRF protection on, as in production."""
    protected = build_app(app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True)
    client = protected.test_client()
    token = _token(client.get("/login").get_data(as_text=True))
    data = {"email": users["sales"].email, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302
    yield client
    with protected.app_context():
        db.engine.dispose()


def test_a_dialog_post_without_its_csrf_token_is_refused_and_one_with_it_is_saved(csrf_client, order):
    url = f"/admin/orders/activities/note/?id={order.id}&dialog=1"

    # When the dialog's form is posted without its token, it is refused and nothing is added
    assert csrf_client.post(url, data={"body": "Forged"}).status_code == 400
    assert _notes() == 0

    # When it is posted with the token the dialog's form carries, the note is saved
    token = _token(csrf_client.get(url).get_data(as_text=True))
    assert csrf_client.post(url, data={"body": "Call first", "csrf_token": token}).status_code == 302
    assert _notes() == 1


def test_a_dialog_asked_for_after_the_session_ended_comes_back_as_its_full_page_after_login(client, order):
    # Given no session (it ended while the dialog was open)
    # When the dialog's form is asked for
    response = client.get(f"/admin/orders/activities/note/?id={order.id}&dialog=1")

    # Then the login page will bring the user back to the form's full page, not the bare form
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/login?next=/admin/orders/activities/note/?id%3D{order.id}"
    ), response.headers["Location"]
