"""/api/v1/customers: read as the panel's pages show them, created as the order form's
"new customer" dialog creates them (actions/customers.py)."""

from __future__ import annotations

import pytest

from admin.api.common import encode_cursor
from models import Customer, CustomerUser, db
from tests.functional.api.helpers import assert_problem, count, walk

URL = "/api/v1/customers/"


def _customers(*names: str) -> list[Customer]:
    made = [Customer(name=name) for name in names]
    db.session.add_all(made)
    db.session.commit()
    return made


def test_the_list_walks_every_customer_in_id_order_a_page_at_a_time(api_as, catalog):
    # Given six customers (the catalog's and five more)
    _customers("Beta", "Gamma", "Delta", "Epsilon", "Zeta")

    # When the list is read two at a time
    pages = walk(api_as("viewer"), URL, limit=2)

    # Then three pages hold all six, each once, in id order
    assert [len(page) for page in pages] == [2, 2, 2]
    ids = [item["id"] for page in pages for item in page]
    assert ids == sorted(ids) and len(set(ids)) == 6
    first = pages[0][0]
    assert first["name"] == "Acme Industrial"
    assert first["payment_term"] == {"id": catalog["term"].id, "label": "Net 30"}


def test_the_name_filter_matches_the_start_of_the_name_whatever_its_case(api_as, catalog):
    _customers("Acme West", "Beta Acme", "ACME East")

    response = api_as("viewer").get(URL, query_string={"name": "acme "})

    names = sorted(item["name"] for item in response.get_json()["items"])
    assert names == ["ACME East", "Acme Industrial", "Acme West"]


def test_a_customer_is_read_with_its_customer_users_and_address_book(api_as, catalog):
    customer = catalog["customer"]

    response = api_as("viewer").get(f"{URL}{customer.id}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Acme Industrial"
    assert [user["email"] for user in body["users"]] == ["buyer@acme.example"]
    (address,) = body["addresses"]
    assert address["street"] == "1 Main St"
    assert address["is_default_billing"] is True
    assert address["id"] == catalog["address"].id


@pytest.mark.parametrize("customer_id", ["999", str(2**31), str(2**63), str(2**70)])
def test_an_unknown_customer_id_is_a_404_problem(api_as, catalog, customer_id):
    response = api_as("viewer").get(f"{URL}{customer_id}")

    assert_problem(response, 404, "not_found")


def test_a_call_without_a_token_is_a_401_problem(client, catalog):
    assert_problem(client.get(URL), 401, "unauthorized")


def test_a_cursor_of_another_list_or_of_nothing_is_a_422_problem(api_as, catalog):
    # Given a cursor of the customer user list
    db.session.add(
        CustomerUser(customer=catalog["customer"], email="b@x.example", first_name="B", last_name="B")
    )
    db.session.commit()
    client = api_as("viewer")
    other_cursor = client.get("/api/v1/customer-users/", query_string={"limit": 1}).get_json()["next_cursor"]
    assert other_cursor

    # Then the customer list refuses it, and what no list gave
    for cursor in (other_cursor, "not-a-cursor", encode_cursor(["customers", "1"])):
        response = client.get(URL, query_string={"cursor": cursor})
        assert_problem(response, 422, "unprocessable_entity")


@pytest.mark.parametrize("role", ["sales", "manager", "admin"])
def test_a_user_who_may_create_orders_or_manage_customers_creates_a_customer(api_as, users, role):
    response = api_as(role).post(URL, json={"name": "  Globex  "})

    assert response.status_code == 201
    body = response.get_json()
    assert body["name"] == "Globex"
    assert body["owner"]["id"] == users[role].id
    assert response.headers["Location"].endswith(f"{URL}{body['id']}")
    assert db.session.get(Customer, body["id"]) is not None


def test_a_viewer_may_not_create_a_customer(api_as, users):
    response = api_as("viewer").post(URL, json={"name": "Globex"})

    assert_problem(response, 403, "permission_denied")
    assert count(Customer) == 0


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": "   "}, "validation_failed", "name"),
        ({"name": "x" * 256}, "validation_failed", "name"),
        ({}, "unprocessable_entity", "name"),
        ({"name": 42}, "unprocessable_entity", "name"),
        ({"name": "Globex", "parent_id": 1}, "unprocessable_entity", "parent_id"),
    ],
)
def test_a_bad_customer_is_a_422_problem_and_nothing_is_created(api_as, users, body, code, field):
    response = api_as("sales").post(URL, json=body)

    problem = assert_problem(response, 422, code)
    assert field in problem["errors"]
    assert count(Customer) == 0
