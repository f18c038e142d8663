"""/api/v1/orders?shopping_list_id= and ?rfq_id=: the orders made from a document, and the
document's `orders_url` that links to them. Id filters share one field (admin/api/fields.py)."""

from __future__ import annotations

import pytest

from actions.sources import create_order_from_rfq, create_order_from_shopping_list
from models import db
from tests.factories import make_rfq, make_shopping_list
from tests.functional.api.helpers import assert_problem

ORDERS = "/api/v1/orders/"
# Not ids: words, signs, fractions, other scripts' digits, spaces and underscores that int()
# would read, zero, and numbers larger than an Integer column holds (2**31 on PostgreSQL, and
# more digits than int() reads at all).
BAD_IDS = [
    "abc",
    "",
    "0",
    "-1",
    "+1",
    "1.5",
    "1e3",
    " 1",
    "1_0",
    "١٢",
    "²",
    str(2**31),
    str(2**63),
    "9" * 5000,
]


@pytest.fixture
def documents(catalog, users):
    """Two orders from one shopping list, one from another list, one from an RFQ."""
    first, second = make_shopping_list(db.session, catalog), make_shopping_list(db.session, catalog, "Other")
    rfq = make_rfq(db.session, catalog)
    sales = users["sales"]
    made = {
        "first": [create_order_from_shopping_list(db.session, first, actor=sales) for _ in range(2)],
        "second": [create_order_from_shopping_list(db.session, second, actor=sales)],
        "rfq": [create_order_from_rfq(db.session, rfq, actor=sales, default_currency="USD")],
    }
    db.session.commit()
    return {
        "first": first,
        "second": second,
        "rfq": rfq,
        "orders": {k: {o.id for o in v} for k, v in made.items()},
    }


def _ids(client, **args) -> set[int]:
    response = client.get(ORDERS, query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {item["id"] for item in response.get_json()["items"]}


def test_the_shopping_list_filter_lists_only_the_orders_made_from_that_list(api_as, documents):
    client = api_as("viewer")

    # When the orders are filtered on each shopping list
    first = _ids(client, shopping_list_id=documents["first"].id)
    second = _ids(client, shopping_list_id=documents["second"].id)

    # Then each list gets its own orders, and never the RFQ's
    assert first == documents["orders"]["first"]
    assert second == documents["orders"]["second"]


def test_the_rfq_filter_lists_only_the_orders_made_from_that_rfq(api_as, documents):
    # When the orders are filtered on the RFQ (whose id may be a shopping list's too)
    from_rfq = _ids(api_as("viewer"), rfq_id=documents["rfq"].id)

    # Then the RFQ's order alone
    assert from_rfq == documents["orders"]["rfq"]


def test_a_document_filter_combines_with_the_other_filters_and_an_unused_id_matches_nothing(
    api_as, documents
):
    client = api_as("viewer")

    assert (
        _ids(client, shopping_list_id=documents["first"].id, internal_status="open")
        == documents["orders"]["first"]
    )
    assert _ids(client, shopping_list_id=documents["first"].id, internal_status="closed") == set()
    assert _ids(client, shopping_list_id=2**31 - 1) == set()
    assert _ids(client, rfq_id=2**31 - 1) == set()


@pytest.mark.parametrize("name", ["shopping_list_id", "rfq_id"])
@pytest.mark.parametrize("value", BAD_IDS)
def test_a_document_filter_that_is_not_an_id_is_a_422_problem_that_says_so(api_as, catalog, name, value):
    response = api_as("viewer").get(ORDERS, query_string={name: value})

    problem = assert_problem(response, 422, "unprocessable_entity")
    assert "Not a valid id: a whole number from 1 to 2147483647." in str(problem["errors"])


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/customer-users/", "customer_id"),
        ("/api/v1/shopping-lists/", "customer_id"),
        ("/api/v1/shopping-lists/", "customer_user_id"),
        ("/api/v1/rfqs/", "customer_id"),
        ("/api/v1/rfqs/", "customer_user_id"),
    ],
)
@pytest.mark.parametrize("value", [str(2**31), "9" * 5000, "١٢", "0"])
def test_the_other_lists_id_filters_refuse_the_same_values(api_as, catalog, url, name, value):
    # (2**31 reached PostgreSQL, which refused it as out of range: a 500)
    response = api_as("viewer").get(url, query_string={name: value})

    assert_problem(response, 422, "unprocessable_entity")


def test_a_shopping_list_links_to_the_orders_made_from_it(api_as, documents):
    client = api_as("viewer")
    shopping_list = documents["first"]

    # When the shopping list is read, alone and in the list
    body = client.get(f"/api/v1/shopping-lists/{shopping_list.id}").get_json()
    listed = client.get("/api/v1/shopping-lists/").get_json()["items"]

    # Then its orders_url is the orders list filtered on it, which holds its orders
    assert body["orders_url"] == f"/api/v1/orders/?shopping_list_id={shopping_list.id}"
    assert [item["orders_url"] for item in listed if item["id"] == shopping_list.id] == [body["orders_url"]]
    orders = client.get(body["orders_url"]).get_json()["items"]
    assert {order["id"] for order in orders} == documents["orders"]["first"]


def test_an_rfq_links_to_the_orders_made_from_it(api_as, documents):
    client = api_as("viewer")
    rfq = documents["rfq"]

    body = client.get(f"/api/v1/rfqs/{rfq.id}").get_json()

    assert body["orders_url"] == f"/api/v1/orders/?rfq_id={rfq.id}"
    orders = client.get(body["orders_url"]).get_json()["items"]
    assert {order["id"] for order in orders} == documents["orders"]["rfq"]


def test_the_contract_documents_the_document_filters_and_links(client, app):
    contract = client.get("/api/v1/openapi.json").get_json()

    parameters = {p["name"]: p for p in contract["paths"]["/api/v1/orders/"]["get"]["parameters"]}
    for name in ("shopping_list_id", "rfq_id"):
        schema = parameters[name]["schema"]
        assert (schema["type"], schema["minimum"], schema["maximum"]) == ("integer", 1, 2**31 - 1)
    schemas = contract["components"]["schemas"]
    assert "orders_url" in schemas["ShoppingListOut"]["properties"]
    assert "orders_url" in schemas["RfqOut"]["properties"]
