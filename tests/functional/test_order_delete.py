"""Deleting orders from the order page and the grid, and Re-order (SPEC §2.2, §3, §5, §8)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import AuditEntry, Order, OrderLineItem, db
from tests.conftest import flashed_messages, job_report
from tests.factories import make_order, reach_status


def _order_ids() -> set[int]:
    db.session.rollback()
    return set(db.session.scalars(select(Order.id)))


def _deletes(entity_type: str) -> list[AuditEntry]:
    db.session.rollback()
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == entity_type, AuditEntry.action == "delete")
        )
    )


@pytest.fixture
def orders(catalog, users) -> list[Order]:
    made = [make_order(db.session, catalog, actor=users["sales"]) for _ in range(3)]
    db.session.commit()
    return made


def _ids(orders: list[Order]) -> set[int]:
    return {o.id for o in orders}


# --- Delete from the order page --------------------------------------------------------------


def test_a_manager_deletes_an_order_from_its_page(login_as, orders, users):
    # Given an order with two lines
    target = orders[0]
    order_id, number = target.id, target.identifier
    line_ids = {li.id for li in target.line_items}
    client = login_as("manager")

    # When the manager confirms Delete on its page
    response = client.post("/admin/orders/delete/", data={"id": str(order_id)})

    # Then it is gone, the user is back on the grid with the message ...
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/orders/")
    assert f"Order #{number} has been deleted." in flashed_messages(client)
    assert _order_ids() == _ids(orders) - {order_id}
    assert db.session.scalars(select(OrderLineItem).where(OrderLineItem.order_id == order_id)).all() == []
    # ... and the audit log keeps a snapshot of it and its lines, by the manager
    (entry,) = _deletes("Order")
    assert (entry.entity_id, entry.actor_id) == (order_id, users["manager"].id)
    assert entry.changes["identifier"] == number
    assert entry.changes["total"] == "60.05"
    assert {e.entity_id for e in _deletes("OrderLineItem")} == line_ids


def test_sales_cannot_delete_an_order_from_its_page(login_as, orders):
    # Given a sales user (no delete_orders)
    target = orders[0]
    client = login_as("sales")

    # When they post Delete anyway
    response = client.post("/admin/orders/delete/", data={"id": str(target.id)})

    # Then it is refused with a message and the order is still there
    assert response.status_code == 302
    assert "You do not have permission to perform this action." in flashed_messages(client)
    assert _order_ids() == _ids(orders)
    assert _deletes("Order") == []


def test_a_viewer_cannot_delete_an_order(login_as, orders):
    client = login_as("viewer")
    response = client.post("/admin/orders/delete/", data={"id": str(orders[0].id)})
    assert response.status_code == 302
    assert _order_ids() == _ids(orders)


def test_deleting_an_order_that_no_longer_exists_answers_the_not_found_page(login_as, orders):
    client = login_as("manager")
    response = client.post("/admin/orders/delete/", data={"id": "999999"})
    assert response.status_code == 404
    assert "There is no such page or record" in response.get_data(as_text=True)
    assert _order_ids() == _ids(orders)


def test_delete_is_not_offered_as_a_get(login_as, orders):
    client = login_as("manager")
    response = client.get(f"/admin/orders/delete/?id={orders[0].id}")
    assert response.status_code == 405
    assert _order_ids() == _ids(orders)


# --- Bulk delete from the grid ---------------------------------------------------------------


def test_bulk_delete_deletes_the_selected_orders_and_reports(login_as, orders):
    # Given three orders; when a manager deletes two of them from the grid
    first, second, kept = (o.id for o in orders)
    client = login_as("manager")
    response = client.post(
        "/admin/orders/action/", data={"action": "delete", "rowid": [str(first), str(second)]}
    )

    # Then those two are gone and the job's report says so
    assert job_report(client, response).summary == "2 orders deleted"
    assert _order_ids() == {kept}
    assert {e.entity_id for e in _deletes("Order")} == {first, second}


def test_bulk_delete_reports_ids_that_do_not_exist(login_as, orders):
    first = orders[0].id
    all_ids = _ids(orders)
    client = login_as("admin")
    response = client.post(
        "/admin/orders/action/", data={"action": "delete", "rowid": [str(first), "999999"]}
    )
    report = job_report(client, response)
    assert (report.summary, report.reasons) == (
        "1 order deleted; 1 skipped",
        ["Order id 999999 no longer exists"],
    )
    assert _order_ids() == all_ids - {first}


@pytest.mark.parametrize("bad", ["abc", "1;DROP TABLE orders", "-1"])
def test_bulk_delete_with_a_rowid_that_is_not_a_number_deletes_nothing(login_as, orders, bad):
    # Given a selection with a valid id and a tampered one
    client = login_as("manager")

    # When it is posted
    response = client.post(
        "/admin/orders/action/", data={"action": "delete", "rowid": [str(orders[0].id), bad]}
    )

    # Then the message says which value is not an id, and nothing is deleted
    assert response.status_code == 302
    messages = flashed_messages(client)
    assert any("is not an order id; nothing was changed." in m for m in messages), messages
    assert _order_ids() == _ids(orders)


def test_bulk_delete_with_a_unicode_digit_rowid_is_a_clear_message(login_as, orders):
    # Given a rowid that str.isdigit() accepts but is no number ('²')
    client = login_as("manager")

    # When it is posted; then it is a clear refusal, not a server error
    response = client.post(
        "/admin/orders/action/", data={"action": "delete", "rowid": [str(orders[0].id), "²"]}
    )
    assert response.status_code == 302
    assert any("nothing was changed" in m for m in flashed_messages(client))
    assert _order_ids() == _ids(orders)


def test_bulk_delete_by_sales_is_refused_with_a_message(login_as, orders):
    # Given a sales user, who has no delete_orders
    client = login_as("sales")

    # When they post the bulk delete anyway
    response = client.post(
        "/admin/orders/action/", data={"action": "delete", "rowid": [str(o.id) for o in orders]}
    )

    # Then nothing is deleted and they are told why (SPEC §2.2: refused with a clear message)
    assert response.status_code == 302
    assert _order_ids() == _ids(orders)
    assert "You do not have permission to perform this action." in flashed_messages(client)


def test_bulk_delete_by_a_viewer_deletes_nothing(login_as, orders):
    client = login_as("viewer")
    client.post("/admin/orders/action/", data={"action": "delete", "rowid": [str(o.id) for o in orders]})
    assert _order_ids() == _ids(orders)


# --- Re-order --------------------------------------------------------------------------------


def test_reorder_creates_a_new_order_and_opens_its_edit_form(login_as, orders, users):
    # Given a shipped order
    original = reach_status(db.session, orders[0], "shipped", actor=users["sales"])
    db.session.commit()
    original_id, number = original.id, original.identifier
    client = login_as("sales")

    # When Re-order is posted
    response = client.post("/admin/orders/reorder/", data={"id": str(original_id)})

    # Then a new open order exists with the same lines, pointing back at the original
    new_ids = _order_ids() - _ids(orders)
    assert len(new_ids) == 1
    new = db.session.get(Order, new_ids.pop())
    assert (new.internal_status, new.shipping_status) == ("open", "not_shipped")
    assert [(li.product_sku, li.quantity, li.unit_price) for li in new.line_items] == [
        (li.product_sku, li.quantity, li.unit_price) for li in db.session.get(Order, original_id).line_items
    ]
    assert (new.source_type, new.source_id, new.source_identifier) == ("order", original_id, number)
    assert new.owner_id == users["sales"].id
    # and the user lands on its edit form with a message
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/orders/edit/?id={new.id}")
    assert f"Order #{new.identifier} has been created from Order #{number}." in flashed_messages(client)
    # which opens
    assert client.get(f"/admin/orders/edit/?id={new.id}").status_code == 200
    # and the original is untouched
    assert db.session.get(Order, original_id).internal_status == "shipped"


def test_reorder_by_a_viewer_creates_nothing(login_as, orders):
    client = login_as("viewer")
    response = client.post("/admin/orders/reorder/", data={"id": str(orders[0].id)})
    assert response.status_code == 302
    assert _order_ids() == _ids(orders)


def test_reorder_of_an_unknown_order_is_a_404(login_as, orders):
    client = login_as("sales")
    assert client.post("/admin/orders/reorder/", data={"id": "999999"}).status_code == 404
    assert _order_ids() == _ids(orders)
