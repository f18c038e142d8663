"""/api/v1/customer-users: read with their address books, created as the order form's "new
customer user" dialog creates them (actions/customers.py)."""

from __future__ import annotations

import pytest

from models import Customer, CustomerUser, CustomerUserAddress, db
from tests.functional.api.helpers import assert_problem, count, walk

URL = "/api/v1/customer-users/"


def _buyers(customer: Customer, *emails: str) -> list[CustomerUser]:
    made = [CustomerUser(customer=customer, email=email, first_name="A", last_name="B") for email in emails]
    db.session.add_all(made)
    db.session.commit()
    return made


def test_the_list_walks_every_customer_user_in_id_order_a_page_at_a_time(api_as, catalog):
    _buyers(catalog["customer"], "a@x.example", "b@x.example", "c@x.example", "d@x.example")

    pages = walk(api_as("viewer"), URL, limit=3)

    assert [len(page) for page in pages] == [3, 2]
    ids = [item["id"] for page in pages for item in page]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert pages[0][0]["customer"] == {"id": catalog["customer"].id, "name": "Acme Industrial"}


def test_the_list_filters_by_customer_and_by_the_start_of_the_email(api_as, catalog):
    # Given buyers of two customers
    other = Customer(name="Globex")
    db.session.add(other)
    _buyers(catalog["customer"], "bob@acme.example", "ann@acme.example")
    _buyers(other, "bob@globex.example")
    client = api_as("viewer")

    # When filtered by customer, by email prefix, and by both
    by_customer = client.get(URL, query_string={"customer_id": other.id}).get_json()["items"]
    by_email = client.get(URL, query_string={"email": "BOB@"}).get_json()["items"]
    both = client.get(URL, query_string={"email": "bob", "customer_id": other.id}).get_json()["items"]

    # Then each gives its matches only
    assert [u["email"] for u in by_customer] == ["bob@globex.example"]
    assert sorted(u["email"] for u in by_email) == ["bob@acme.example", "bob@globex.example"]
    assert [u["email"] for u in both] == ["bob@globex.example"]


@pytest.mark.parametrize("query", [{"customer_id": "x"}, {"customer_id": "0"}, {"limit": "0"}])
def test_a_bad_filter_is_a_422_problem(api_as, catalog, query):
    assert_problem(api_as("viewer").get(URL, query_string=query), 422, "unprocessable_entity")


def test_a_customer_user_is_read_with_their_address_book(api_as, catalog):
    buyer = catalog["buyer"]
    buyer.addresses.append(
        CustomerUserAddress(
            organization="Acme Dock 4",
            street="2 Side St",
            city="Springfield",
            postal_code="12345",
            country="US",
            is_default_shipping=True,
        )
    )
    db.session.commit()

    response = api_as("viewer").get(f"{URL}{buyer.id}")

    assert response.status_code == 200
    body = response.get_json()
    assert (body["email"], body["first_name"], body["last_name"], body["enabled"]) == (
        "buyer@acme.example",
        "Bea",
        "Buyer",
        True,
    )
    assert [a["organization"] for a in body["addresses"]] == ["Acme Dock 4"]
    assert body["addresses"][0]["is_default_shipping"] is True


def test_an_unknown_customer_user_id_is_a_404_problem(api_as, catalog):
    assert_problem(api_as("viewer").get(f"{URL}999"), 404, "not_found")


@pytest.mark.parametrize("role", ["sales", "manager"])
def test_a_user_who_may_create_orders_or_manage_customers_creates_a_customer_user(api_as, catalog, role):
    customer = catalog["customer"]

    response = api_as(role).post(
        URL,
        json={
            "customer_id": customer.id,
            "email": " New.Buyer@Acme.example ",
            "first_name": "Nia",
            "last_name": "New",
        },
    )

    assert response.status_code == 201
    body = response.get_json()
    assert body["email"] == "new.buyer@acme.example"
    assert body["enabled"] is True and body["addresses"] == []
    assert body["customer"]["id"] == customer.id
    assert response.headers["Location"].endswith(f"{URL}{body['id']}")


def test_a_viewer_may_not_create_a_customer_user(api_as, catalog):
    response = api_as("viewer").post(
        URL,
        json={
            "customer_id": catalog["customer"].id,
            "email": "n@acme.example",
            "first_name": "N",
            "last_name": "N",
        },
    )

    assert_problem(response, 403, "permission_denied")
    assert count(CustomerUser) == 1


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"email": "buyer@ACME.example"}, "validation_failed", "email"),
        ({"email": "not an email"}, "validation_failed", "email"),
        ({"first_name": " "}, "validation_failed", "first_name"),
        ({"customer_id": 999}, "validation_failed", "customer_id"),
        ({"customer_id": 2**64}, "unprocessable_entity", "customer_id"),
        ({"customer_id": "1"}, "unprocessable_entity", "customer_id"),
        ({"last_name": None}, "unprocessable_entity", "last_name"),
        ({"enabled": False}, "unprocessable_entity", "enabled"),
    ],
)
def test_a_bad_customer_user_is_a_422_problem_and_nothing_is_created(api_as, catalog, change, code, field):
    body = {
        "customer_id": catalog["customer"].id,
        "email": "n@acme.example",
        "first_name": "N",
        "last_name": "N",
        **change,
    }

    response = api_as("sales").post(URL, json=body)

    problem = assert_problem(response, 422, code)
    assert field in problem["errors"]
    assert count(CustomerUser) == 1
