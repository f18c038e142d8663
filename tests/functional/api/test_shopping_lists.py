"""/api/v1/shopping-lists: read with their lines; POST …/{id}/orders makes an order from one
(actions/sources.py), leaving the list as it is."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models import Customer, Order, ShoppingList, ShoppingListLine, db
from tests.functional.api.helpers import assert_problem, count, walk

URL = "/api/v1/shopping-lists/"


def _shopping_list(
    catalog, *, label="Spring restock", currency="USD", product="widget", **fields
) -> ShoppingList:
    fields = {"customer": catalog["customer"], "customer_user": catalog["buyer"], **fields}
    shopping_list = ShoppingList(
        label=label,
        currency=currency,
        notes="Back door",
        lines=[
            ShoppingListLine(product=catalog[product], quantity=Decimal("3"), unit="item", notes="blue ones")
        ],
        **fields,
    )
    db.session.add(shopping_list)
    db.session.commit()
    return shopping_list


def test_the_list_walks_every_shopping_list_with_its_lines_a_page_at_a_time(api_as, catalog):
    for n in range(3):
        _shopping_list(catalog, label=f"List {n}")

    pages = walk(api_as("viewer"), URL, limit=2)

    assert [len(page) for page in pages] == [2, 1]
    assert [item["label"] for page in pages for item in page] == ["List 0", "List 1", "List 2"]
    first = pages[0][0]
    assert first["customer"]["name"] == "Acme Industrial"
    assert first["customer_user"]["email"] == "buyer@acme.example"
    (line,) = first["lines"]
    assert (line["product"]["sku"], line["quantity"], line["unit"], line["notes"]) == (
        "WID-1",
        "3",
        "item",
        "blue ones",
    )


def test_the_list_filters_by_customer_and_by_customer_user(api_as, catalog):
    other = Customer(name="Globex")
    db.session.add(other)
    mine = _shopping_list(catalog, label="Acme's")
    theirs = _shopping_list(catalog, label="Globex's", customer=other, customer_user=None)
    client = api_as("viewer")

    by_customer = client.get(URL, query_string={"customer_id": other.id}).get_json()["items"]
    by_buyer = client.get(URL, query_string={"customer_user_id": catalog["buyer"].id}).get_json()["items"]

    assert [s["id"] for s in by_customer] == [theirs.id]
    assert [s["id"] for s in by_buyer] == [mine.id]


def test_a_shopping_list_is_read_with_its_lines(api_as, catalog):
    shopping_list = _shopping_list(catalog)

    response = api_as("viewer").get(f"{URL}{shopping_list.id}")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["label"], body["currency"], body["notes"]) == ("Spring restock", "USD", "Back door")
    assert [line["product"]["id"] for line in body["lines"]] == [catalog["widget"].id]


def test_an_unknown_shopping_list_is_a_404_problem_and_makes_no_order(api_as, catalog):
    assert_problem(api_as("viewer").get(f"{URL}999"), 404, "not_found")
    assert_problem(api_as("sales").post(f"{URL}999/orders"), 404, "not_found")
    assert count(Order) == 0


def test_an_order_is_made_from_a_shopping_list_which_stays_as_it_is(api_as, catalog):
    # Given a shopping list of three widgets
    shopping_list = _shopping_list(catalog)

    # When a sales user makes an order from it
    response = api_as("sales").post(f"{URL}{shopping_list.id}/orders")

    # Then the order is the list's, priced from the price list, with its version as ETag
    assert response.status_code == 201
    order = response.get_json()
    assert response.headers["ETag"] == f'"{order["version"]}"'
    assert response.headers["Location"].endswith(f"/api/v1/orders/{order['id']}")
    assert (order["source_type"], order["source_identifier"]) == ("shopping_list", "Spring restock")
    assert order["customer_user"]["id"] == catalog["buyer"].id
    assert order["internal_status"] == "open" and order["customer_notes"] == "Back door"
    (line,) = order["line_items"]
    assert (line["product_sku"], line["quantity"], line["unit_price"]) == ("WID-1", "3", "10.00")
    assert order["shipping_address"]["street"] == "1 Main St"
    # And the list is unchanged
    db.session.expire_all()
    assert [(li.product_id, li.quantity) for li in db.session.get(ShoppingList, shopping_list.id).lines] == [
        (catalog["widget"].id, Decimal("3"))
    ]


def test_a_viewer_may_not_make_an_order_from_a_shopping_list(api_as, catalog):
    shopping_list = _shopping_list(catalog)

    assert_problem(api_as("viewer").post(f"{URL}{shopping_list.id}/orders"), 403, "permission_denied")
    assert count(Order) == 0


def test_a_list_with_a_product_unpriced_in_its_currency_is_a_422_problem_and_makes_no_order(api_as, catalog):
    # The gadget has no EUR price
    shopping_list = _shopping_list(catalog, currency="EUR", product="gadget")

    problem = assert_problem(
        api_as("sales").post(f"{URL}{shopping_list.id}/orders"), 422, "validation_failed"
    )

    assert "EUR" in problem["detail"]
    assert count(Order) == 0


@pytest.mark.parametrize("body", [{"currency": "EUR"}, [1]])
def test_a_body_is_a_422_problem_and_makes_no_order(api_as, catalog, body):
    shopping_list = _shopping_list(catalog)

    response = api_as("sales").post(f"{URL}{shopping_list.id}/orders", json=body)

    assert_problem(response, 422, "unprocessable_entity")
    assert count(Order) == 0


@pytest.mark.parametrize("query", [{"customer_id": "-1"}, {"customer_user_id": "a"}, {"cursor": "x"}])
def test_a_bad_query_is_a_422_problem(api_as, catalog, query):
    assert_problem(api_as("viewer").get(URL, query_string=query), 422, "unprocessable_entity")
