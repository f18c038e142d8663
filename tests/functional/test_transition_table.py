"""The lifecycle table is the only place a transition is named: a new row shows up on the
order page, in the grid's "With selected" menu and filter-wide menu, in the history and in
the flash texts, without any view or template knowing about it."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from actions.lifecycle import TRANSITIONS, Transition
from models import AuditEntry, Order, db
from tests.conftest import flashed_messages, job_report
from tests.factories import make_order

HOLD = Transition(
    "hold",
    "Put on Hold",
    frozenset({"open"}),
    "closed",
    "close_orders",
    "put on hold",
    "Put this order on hold?",
)


@pytest.fixture
def hold_transition(monkeypatch):
    monkeypatch.setitem(TRANSITIONS, HOLD.name, HOLD)
    return HOLD


@pytest.fixture
def order(catalog, users) -> Order:
    made = make_order(db.session, catalog, actor=users["manager"])
    db.session.commit()
    return made


def test_a_new_transition_is_a_button_on_the_order_page(login_as, order, hold_transition):
    page = html.unescape(
        login_as("manager").get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    )
    assert 'id="transition-hold"' in page
    assert "Put on Hold" in page
    assert 'data-confirm="Put this order on hold?"' in page


def test_a_new_transition_is_offered_only_to_roles_with_its_permission(login_as, order, hold_transition):
    page = login_as("sales").get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert 'id="transition-hold"' not in page


def test_a_new_transition_is_in_the_grids_selection_and_filter_menus(login_as, order, hold_transition):
    page = html.unescape(login_as("manager").get("/admin/orders/").get_data(as_text=True))
    assert 'data-model-action="hold"' in page  # "With selected"
    assert '<option value="hold">Put on Hold</option>' in page  # all orders matching the filter


def test_applying_a_new_transition_uses_its_wording_and_history_label(login_as, order, hold_transition):
    client = login_as("manager")
    response = client.post("/admin/orders/transition/", data={"id": order.id, "transition": "hold"})
    assert response.status_code == 302
    assert flashed_messages(client) == [f"Order #{order.identifier} has been put on hold."]
    db.session.expire_all()
    assert db.session.get(Order, order.id).internal_status == "closed"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "hold")).one()
    assert entry.changes["internal_status"] == ["open", "closed"]
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert "Put on Hold" in page.split('id="change-history"')[1]


def test_a_new_transition_runs_on_a_selection_with_one_report(login_as, catalog, users, hold_transition):
    first = make_order(db.session, catalog, actor=users["manager"])
    second = make_order(db.session, catalog, actor=users["manager"])
    db.session.commit()
    client = login_as("manager")
    client.post("/admin/orders/transition/", data={"id": second.id, "transition": "hold"})
    flashed_messages(client)
    response = client.post("/admin/orders/action/", data={"action": "hold", "rowid": [first.id, second.id]})
    report = job_report(client, response)
    assert report.summary == "1 order put on hold; 1 skipped"
    assert report.reasons == [f"Order {second.identifier} cannot be put on hold because it is closed"]


def test_a_new_transitions_side_effect_runs_with_it(login_as, order, monkeypatch):
    noted: list[int] = []
    with_effect = Transition(
        "hold",
        "Put on Hold",
        frozenset({"open"}),
        "closed",
        "close_orders",
        "put on hold",
        "Put this order on hold?",
        effect=lambda session, changed: noted.append(changed.id),
    )
    monkeypatch.setitem(TRANSITIONS, "hold", with_effect)
    login_as("manager").post("/admin/orders/transition/", data={"id": order.id, "transition": "hold"})
    assert noted == [order.id]
