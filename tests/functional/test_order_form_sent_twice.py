"""A Create Order form sent twice (a double click, a replayed request) makes one order: the
form carries a one-time key, and the second send lands on the order the first one made."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from admin.base import CONFLICT, run_action
from models import Order, User, db
from tests.conftest import flashed_messages
from tests.functional.test_order_form import _create_form, _orders


def test_the_create_form_carries_a_fresh_one_time_key(login_as, catalog):
    client = login_as("sales")
    keys = [
        re.search(
            r'name="submission_key" type="hidden" value="([^"]+)"',
            client.get("/admin/orders/new/").get_data(as_text=True),
        )
        for _ in range(2)
    ]
    assert all(keys) and keys[0].group(1) != keys[1].group(1)


def test_the_same_form_sent_twice_makes_one_order_and_the_second_send_opens_it(login_as, catalog):
    client = login_as("sales")
    form = _create_form(catalog, submission_key="k-4f1b2c")
    first = client.post("/admin/orders/new/", data=form)
    flashed_messages(client)
    second = client.post("/admin/orders/new/", data=form)

    orders = _orders()
    assert len(orders) == 1
    assert first.headers["Location"] == second.headers["Location"]
    assert flashed_messages(client) == [
        f"This form was already saved as order {orders[0].identifier}; no second order was made."
    ]


def test_forms_with_different_keys_or_none_make_an_order_each(login_as, catalog):
    client = login_as("sales")
    client.post("/admin/orders/new/", data=_create_form(catalog, submission_key="k-one"))
    client.post("/admin/orders/new/", data=_create_form(catalog, submission_key="k-two"))
    client.post("/admin/orders/new/", data=_create_form(catalog))
    client.post("/admin/orders/new/", data=_create_form(catalog))
    assert len(_orders()) == 4


def test_a_refused_form_keeps_its_key_so_the_corrected_send_makes_the_order(login_as, catalog):
    client = login_as("sales")
    refused = client.post(
        "/admin/orders/new/", data=_create_form(catalog, submission_key="k-fix", currency="XXX")
    )
    assert 'value="k-fix"' in refused.get_data(as_text=True)
    client.post("/admin/orders/new/", data=_create_form(catalog, submission_key="k-fix"))
    assert len(_orders()) == 1


def test_a_write_that_collides_with_another_is_refused_with_a_message_and_changes_nothing(app, users):
    # Given a write that breaks a unique key, as a request racing another one would
    def collide() -> User:
        twin = User(email="admin@example.com", full_name="Twin", password_hash="x", role="viewer")
        db.session.add(twin)
        db.session.flush()
        return twin

    with app.test_request_context():
        outcome = run_action(collide)
        # Then it is a refusal in words, not a server error, and nothing was added
        assert outcome.refusal is not None and outcome.refusal.message == CONFLICT
    assert db.session.scalar(select(func.count()).select_from(User)) == 4
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
