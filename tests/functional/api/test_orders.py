"""/api/v1/orders: the grid, the order page and its operations, for other systems."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Order, db
from tests.factories import order_in_status

PROBLEM = "application/problem+json"


def order_in(catalog, users, status: str = "open", **overrides) -> Order:
    order = order_in_status(db.session, catalog, status, actor=users["manager"], **overrides)
    db.session.commit()
    return order


def order_count() -> int:
    return db.session.scalar(select(func.count(Order.id))) or 0


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status and body["detail"]
    if code:
        assert body["code"] == code
    return body


def new_order_body(catalog, **changes) -> dict:
    body = {
        "customer_id": catalog["customer"].id,
        "customer_user_id": catalog["buyer"].id,
        "currency": "USD",
        "lines": [{"product_id": catalog["widget"].id, "quantity": "3"}],
        "billing_address": {"customer_address_id": catalog["address"].id},
        "shipping_address": {"customer_address_id": catalog["address"].id},
        "po_number": "PO-API-1",
    }
    return {**body, **changes}


# ---- list ----


def test_listing_orders_pages_by_cursor_through_every_order_once(api_as, catalog, users):
    # Given five orders
    ids = {order_in(catalog, users).id for _ in range(5)}
    api = api_as("viewer")

    # When they are read two at a time, following next_cursor
    seen, cursor, pages = [], None, 0
    while True:
        response = api.get(
            "/api/v1/orders/", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}
        )
        assert response.status_code == 200
        seen += [item["id"] for item in response.json["items"]]
        cursor, pages = response.json["next_cursor"], pages + 1
        if cursor is None:
            break

    # Then every order came once, newest first, in three pages
    assert set(seen) == ids and len(seen) == 5 and pages == 3
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("total", "total"),
        ("-po_number", "po_number"),
        ("ship_until", "ship_until"),
        ("identifier", "identifier"),
    ],
)
def test_every_sort_pages_without_gaps_or_repeats_even_with_equal_and_empty_keys(
    api_as, catalog, users, sort, key
):
    # Given orders sharing sort keys, some without a PO number or ship-until date
    for po in ("B", "B", None, "A", None):
        order_in(catalog, users, po_number=po, ship_until=None if po is None else "2030-01-31")
    api = api_as("viewer")

    # When they are read one at a time in that sort
    seen, cursor = [], None
    while True:
        args = {"limit": 1, "sort": sort, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/orders/", query_string=args).json
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    # Then each order came once
    assert len({o["id"] for o in seen}) == len(seen) == 5


def test_each_filter_narrows_the_list(api_as, catalog, users):
    # Given an open order, a cancelled one and a shipped one with another PO number
    opened = order_in(catalog, users, po_number="ALPHA-1")
    cancelled = order_in(catalog, users, "cancelled", po_number="BETA-1")
    shipped = order_in(catalog, users, "shipped", po_number="BETA-2")
    api = api_as("viewer")

    def ids(**args) -> set[int]:
        response = api.get("/api/v1/orders/", query_string=args)
        assert response.status_code == 200, response.json
        return {item["id"] for item in response.json["items"]}

    # Then each filter keeps only its orders
    assert ids(internal_status="cancelled") == {cancelled.id}
    assert ids(po_number="beta") == {cancelled.id, shipped.id}
    assert ids(number=opened.identifier) == {opened.id}
    assert ids(q="alpha") == {opened.id}
    assert ids(customer="acme") == {opened.id, cancelled.id, shipped.id}
    assert ids(shipping_status="shipped") == {shipped.id}
    assert ids(currency="EUR") == set()
    assert ids(total_min="1000000") == set()
    assert ids(total_max="1000000") == {opened.id, cancelled.id, shipped.id}
    assert ids(created_from="2000-01-01T00:00:00Z", created_to="2999-01-01T00:00:00Z") == ids()
    assert ids(ship_until_from="2031-01-01") == set()
    assert ids(owner="manager", customer_user="buyer") == {opened.id, cancelled.id, shipped.id}


def test_the_buyer_argument_finds_a_word_of_the_buyers_name_or_email(api_as, catalog, users):
    # Given an order of Bea Buyer (buyer@acme.example)
    order = order_in(catalog, users)
    api = api_as("viewer")

    def ids(word: str) -> set[int]:
        response = api.get("/api/v1/orders/", query_string={"customer_user": word})
        assert response.status_code == 200, response.json
        return {item["id"] for item in response.json["items"]}

    # Then her first name, her last name, her email and her full name each find it, by prefix
    assert ids("Bea") == ids("buy") == ids("buyer@acme") == ids("bea buyer") == {order.id}
    # And a word of nobody's name does not
    assert ids("Zed") == ids("acme.example.org") == set()


@pytest.mark.parametrize(
    "args",
    [
        {"limit": 0},
        {"limit": 201},
        {"limit": "many"},
        {"sort": "customer"},
        {"internal_status": "lost"},
        {"total_min": "NaN"},
        {"created_from": "yesterday"},
        {"cursor": "not-a-cursor"},
        {"cursor": "WyJ0b3RhbCIsIjEiLDFd", "sort": "-created_at"},
        {"colour": "red"},
    ],
)
def test_a_bad_list_argument_is_a_422_problem(api_as, catalog, users, args):
    order_in(catalog, users)
    assert_problem(api_as("viewer").get("/api/v1/orders/", query_string=args), 422)


# ---- one order ----


def test_an_order_reads_with_its_lines_totals_and_version_as_etag(api_as, catalog, users):
    order = order_in(catalog, users, "partially_shipped")
    response = api_as("viewer").get(f"/api/v1/orders/{order.id}")
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{order.version}"'
    body = response.json
    assert body["identifier"] == order.identifier
    assert body["shipping_status"] == "partially_shipped"
    assert [line["product_sku"] for line in body["line_items"]] == ["WID-1", "GAD-2"]
    assert Decimal(body["totals"]["total"]) == order.total
    assert body["shipping_address"]["city"] == "Springfield"


def test_a_missing_order_is_a_404_problem(api_as, users):
    assert_problem(api_as("viewer").get("/api/v1/orders/999999"), 404, "not_found")
    assert_problem(api_as("viewer").get("/api/v1/nothing-here"), 404)


# ---- create ----


def test_creating_an_order_answers_201_with_its_location_and_etag(api_as, catalog, users):
    response = api_as("sales").post("/api/v1/orders/", json=new_order_body(catalog))
    assert response.status_code == 201, response.json
    order = db.session.get(Order, response.json["id"])
    assert response.headers["Location"].endswith(f"/api/v1/orders/{order.id}")
    assert response.headers["ETag"] == f'"{order.version}"'
    assert (order.po_number, order.owner_id, order.line_items[0].quantity) == (
        "PO-API-1",
        users["sales"].id,
        3,
    )
    assert (
        db.session.scalar(select(AuditEntry.actor_id).where(AuditEntry.order_id == order.id).limit(1))
        == users["sales"].id
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": []}, "lines"),
        ({"currency": "XXX"}, "currency"),
        ({"customer_id": "1"}, "customer_id"),
        ({"lines": [{"quantity": "1"}]}, None),
        ({"lines": [{"product_id": 1, "quantity": "-1"}]}, None),
        ({"customer_id": 987654}, None),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_new_order_is_a_422_problem_and_creates_nothing(api_as, catalog, users, changes, field):
    response = api_as("sales").post("/api/v1/orders/", json=new_order_body(catalog, **changes))
    body = assert_problem(response, 422)
    if field:
        assert field in body["errors"]
    assert order_count() == 0


def test_a_body_that_is_not_json_is_refused_and_creates_nothing(api_as, catalog):
    response = api_as("sales").post("/api/v1/orders/", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422) and response.content_type == PROBLEM
    assert order_count() == 0


def test_a_viewer_cannot_create_an_order(api_as, catalog):
    assert_problem(
        api_as("viewer").post("/api/v1/orders/", json=new_order_body(catalog)), 403, "permission_denied"
    )
    assert order_count() == 0


# ---- update ----


def test_an_update_with_the_current_etag_changes_the_order_and_answers_the_next_etag(api_as, catalog, users):
    order = order_in(catalog, users)
    api = api_as("manager")
    etag = api.get(f"/api/v1/orders/{order.id}").headers["ETag"]

    response = api.patch(
        f"/api/v1/orders/{order.id}", json={"po_number": "NEW-PO"}, headers={"If-Match": etag}
    )

    assert response.status_code == 200, response.json
    assert response.json["po_number"] == "NEW-PO"
    assert response.headers["ETag"] != etag
    db.session.expire_all()
    assert [li.quantity for li in db.session.get(Order, order.id).line_items] == [2, 1]


def test_an_update_based_on_a_stale_version_is_a_412_and_changes_nothing(api_as, catalog, users):
    # Given an order read by a script, then changed by someone else
    order = order_in(catalog, users)
    api = api_as("manager")
    stale = api.get(f"/api/v1/orders/{order.id}").headers["ETag"]
    fresh = api.patch(f"/api/v1/orders/{order.id}", json={"po_number": "FIRST"}, headers={"If-Match": stale})
    assert fresh.status_code == 200

    # When the script saves what it read
    response = api.patch(
        f"/api/v1/orders/{order.id}", json={"po_number": "SECOND"}, headers={"If-Match": stale}
    )

    # Then it is refused and the other change stays
    assert_problem(response, 412, "stale_order")
    db.session.expire_all()
    assert db.session.get(Order, order.id).po_number == "FIRST"


@pytest.mark.parametrize(
    ("headers", "status"), [({}, 428), ({"If-Match": '"abc"'}, 412), ({"If-Match": "*"}, 412)]
)
def test_an_update_without_a_usable_if_match_is_refused(api_as, catalog, users, headers, status):
    order = order_in(catalog, users)
    response = api_as("manager").patch(f"/api/v1/orders/{order.id}", json={"po_number": "X"}, headers=headers)
    assert_problem(response, status)
    db.session.expire_all()
    assert db.session.get(Order, order.id).po_number == "PO-1001"


def test_a_closed_order_cannot_be_updated(api_as, catalog, users):
    order = order_in(catalog, users, "closed")
    response = api_as("manager").patch(
        f"/api/v1/orders/{order.id}", json={"po_number": "X"}, headers={"If-Match": f'"{order.version}"'}
    )
    assert_problem(response, 409, "order_not_editable")


def test_an_update_can_replace_the_lines_keeping_one_by_its_id(api_as, catalog, users):
    order = order_in(catalog, users)
    first = order.line_items[0]
    lines = [{"id": first.id, "product_id": first.product_id, "quantity": "5"}]
    response = api_as("manager").patch(
        f"/api/v1/orders/{order.id}", json={"lines": lines}, headers={"If-Match": f'"{order.version}"'}
    )
    assert response.status_code == 200, response.json
    assert [(li["id"], Decimal(li["quantity"])) for li in response.json["line_items"]] == [(first.id, 5)]


# ---- delete ----


def test_deleting_an_order_answers_204_then_404(api_as, catalog, users):
    order = order_in(catalog, users)
    api = api_as("manager")
    assert api.delete(f"/api/v1/orders/{order.id}").status_code == 204
    assert_problem(api.get(f"/api/v1/orders/{order.id}"), 404)
    assert order_count() == 0


def test_an_order_made_after_the_newest_was_deleted_gets_a_new_id_and_number(api_as, catalog, users):
    # Given the newest order, deleted
    deleted = order_in(catalog, users)
    deleted_id, deleted_number = deleted.id, deleted.identifier
    api = api_as("manager")
    assert api.delete(f"/api/v1/orders/{deleted_id}").status_code == 204

    # When another order is made
    made = api.post("/api/v1/orders/", json=new_order_body(catalog))
    assert made.status_code == 201, made.get_data(as_text=True)

    # Then it takes neither the id nor the number, and the deleted order's URL still finds nothing
    assert made.json["id"] > deleted_id
    assert made.json["identifier"] != deleted_number
    assert_problem(api.get(f"/api/v1/orders/{deleted_id}"), 404)


def test_sales_cannot_delete_an_order(api_as, catalog, users):
    order = order_in(catalog, users)
    assert_problem(api_as("sales").delete(f"/api/v1/orders/{order.id}"), 403)
    assert order_count() == 1


# ---- lifecycle and shipments ----


def test_a_transition_moves_the_order_and_says_so(api_as, catalog, users):
    order = order_in(catalog, users)
    response = api_as("manager").post(f"/api/v1/orders/{order.id}/transitions/cancel")
    assert response.status_code == 200
    assert response.json["order"]["internal_status"] == "cancelled"
    assert response.json["message"] == f"Order #{order.identifier} has been cancelled."


def test_an_illegal_transition_is_a_409_and_an_unknown_one_a_404(api_as, catalog, users):
    order = order_in(catalog, users, "closed")
    api = api_as("manager")
    body = assert_problem(
        api.post(f"/api/v1/orders/{order.id}/transitions/cancel"), 409, "invalid_transition"
    )
    assert "cannot be cancelled because it is closed" in body["detail"]
    assert_problem(api.post(f"/api/v1/orders/{order.id}/transitions/explode"), 404)
    db.session.expire_all()
    assert db.session.get(Order, order.id).internal_status == "closed"


def test_a_role_without_the_transition_is_a_403(api_as, catalog, users):
    order = order_in(catalog, users)
    assert_problem(api_as("sales").post(f"/api/v1/orders/{order.id}/transitions/cancel"), 403)


def test_a_partial_shipment_with_tracking_ships_the_quantities_given(api_as, catalog, users):
    order = order_in(catalog, users)
    first = order.line_items[0]
    body = {"lines": {str(first.id): "1"}, "trackings": [{"method": "UPS", "number": "1Z999"}]}
    response = api_as("sales").post(f"/api/v1/orders/{order.id}/shipments", json=body)
    assert response.status_code == 200, response.json
    assert response.json["shipping_status"] == "partially_shipped"
    assert [(t["method"], t["number"]) for t in response.json["shipping_trackings"]] == [("UPS", "1Z999")]


def test_a_shipment_without_a_body_ships_everything_left_as_its_contract_says(api_as, catalog, users):
    order = order_in(catalog, users)
    api = api_as("sales")

    response = api.post(f"/api/v1/orders/{order.id}/shipments")

    assert response.status_code == 200, response.json
    assert response.json["shipping_status"] == "shipped"
    operation = api.get("/api/v1/openapi.json").json["paths"]["/api/v1/orders/{order_id}/shipments"]["post"]
    assert operation["requestBody"].get("required", False) is False


@pytest.mark.parametrize(
    "body",
    [
        {"lines": {"first": "1"}},
        {"lines": {"999999": "1"}},
        {"trackings": [{"method": "", "number": "1"}]},
        {"lines": {"1": "lots"}},
        {"lines": {"\u00b3": "1"}},
        {"lines": {}},
    ],
)
def test_a_bad_shipment_is_refused_and_ships_nothing(api_as, catalog, users, body):
    order = order_in(catalog, users)
    response = api_as("sales").post(f"/api/v1/orders/{order.id}/shipments", json=body)
    assert 400 <= response.status_code < 500 and response.content_type == PROBLEM
    db.session.expire_all()
    assert db.session.get(Order, order.id).shipping_status == "not_shipped"


# ---- bulk ----


def test_a_bulk_transition_is_accepted_as_a_job_whose_progress_reads_back(api_as, catalog, users):
    # Given an open order and a closed one
    opened, closed = order_in(catalog, users), order_in(catalog, users, "closed")
    api = api_as("manager")

    # When both are cancelled in bulk
    response = api.post(
        "/api/v1/orders/bulk-transitions", json={"transition": "cancel", "order_ids": [opened.id, closed.id]}
    )

    # Then a job is accepted, and its resource reports one done and one skipped
    assert response.status_code == 202
    job = api.get(response.headers["Location"])
    assert job.status_code == 200
    assert (job.json["state"], job.json["done"], job.json["skipped"]) == ("done", 1, 1)


@pytest.mark.parametrize(
    "body",
    [
        {"transition": "explode", "order_ids": [1]},
        {"transition": "cancel", "order_ids": []},
        {"transition": "cancel", "order_ids": ["1"]},
        {"transition": "cancel"},
    ],
)
def test_a_bad_bulk_transition_starts_no_job(api_as, catalog, users, body):
    response = api_as("manager").post("/api/v1/orders/bulk-transitions", json=body)
    assert 400 <= response.status_code < 500 and response.content_type == PROBLEM


def test_someone_elses_job_is_not_found(api_as, catalog, users):
    order = order_in(catalog, users)
    accepted = api_as("manager").post(
        "/api/v1/orders/bulk-transitions", json={"transition": "close", "order_ids": [order.id]}
    )
    assert_problem(api_as("sales").get(accepted.headers["Location"]), 404)


def test_an_update_whose_line_lacks_its_quantity_is_a_422_even_with_a_stale_version(api_as, catalog, users):
    order = order_in(catalog, users)
    response = api_as("manager").patch(
        f"/api/v1/orders/{order.id}",
        json={"lines": [{"product_id": catalog["widget"].id}]},
        headers={"If-Match": "*"},
    )
    assert "quantity" in str(assert_problem(response, 422)["errors"])
