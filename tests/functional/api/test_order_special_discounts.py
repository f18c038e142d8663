"""/api/v1/orders/{id}/special-discounts: list, add, change and remove an open order's special
discounts, with the totals following, as the order page's Add Special Discount does."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from actions.discounts import add_special_discount
from actions.order_input import DiscountData
from models import Order, SpecialDiscount, db
from tests.factories import make_order, order_in_status
from tests.functional.api.order_parts import count, fresh_order, problem

D = Decimal


@pytest.fixture
def order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


@pytest.fixture
def discounted(order: Order, users: dict[str, Any]) -> SpecialDiscount:
    """A $5.00 "Loyalty" special discount on the order."""
    made = add_special_discount(
        db.session, order, DiscountData(type="amount", value="5", description="Loyalty"), actor=users["sales"]
    )
    db.session.commit()
    return made


def _unchanged(order_id: int, version: int, discounts: int) -> bool:
    return fresh_order(order_id).version == version and count(SpecialDiscount) == discounts


def test_a_special_discount_is_added_and_the_order_answers_with_its_new_totals(api_as, order):
    client = api_as("sales")
    version = order.version

    response = client.post(
        f"/api/v1/orders/{order.id}/special-discounts",
        json={"type": "percent", "value": "10", "description": "Launch"},
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    [discount] = body["special_discounts"]
    assert (discount["type"], D(discount["value"]), discount["description"]) == ("percent", 10, "Launch")
    assert discount["amount"] == "4.55"
    assert body["totals"]["special_discounts_total"] == "4.55"
    assert response.headers["ETag"] == f'"{body["version"]}"' and body["version"] > version


def test_the_special_discounts_are_listed(api_as, order, discounted):
    response = api_as("viewer").get(f"/api/v1/orders/{order.id}/special-discounts")

    assert response.status_code == 200
    [shown] = response.get_json()
    assert shown["id"] == discounted.id and shown["description"] == "Loyalty"
    assert (shown["type"], D(shown["value"]), shown["amount"]) == ("amount", 5, "5.00")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"type": "amount", "value": "0.001"}, "validation_failed"),
        ({"type": "amount", "value": "-5"}, "validation_failed"),
        ({"type": "percent", "value": "150"}, "validation_failed"),
        ({"type": "amount", "value": "500"}, "discount_too_large"),
        ({"type": "coupon", "value": "5"}, None),
        ({"type": "amount"}, None),
        ({"type": "amount", "value": "5", "amount": "1"}, None),
        ({"type": "amount", "value": "NaN"}, None),
    ],
    ids=[
        "too many decimals",
        "negative",
        "over 100%",
        "over the subtotal",
        "bad type",
        "no value",
        "unknown field",
        "not a number",
    ],
)
def test_a_bad_special_discount_is_refused_and_changes_nothing(api_as, order, body, code):
    version = order.version
    response = api_as("sales").post(f"/api/v1/orders/{order.id}/special-discounts", json=body)

    problem(response, 422, code)
    assert _unchanged(order.id, version, 0)


def test_a_special_discount_is_changed_keeping_what_is_not_named(api_as, order, discounted):
    response = api_as("sales").patch(
        f"/api/v1/orders/{order.id}/special-discounts/{discounted.id}", json={"value": "7.5"}
    )

    assert response.status_code == 200, response.get_data(as_text=True)
    [discount] = response.get_json()["special_discounts"]
    assert (discount["type"], D(discount["value"]), discount["description"]) == (
        "amount",
        D("7.5"),
        "Loyalty",
    )
    assert response.get_json()["totals"]["special_discounts_total"] == "7.50"


def test_a_bad_change_to_a_special_discount_changes_nothing(api_as, order, discounted):
    version = fresh_order(order.id).version

    response = api_as("sales").patch(
        f"/api/v1/orders/{order.id}/special-discounts/{discounted.id}", json={"type": "percent", "value": "0"}
    )

    problem(response, 422, "validation_failed")
    assert _unchanged(order.id, version, 1)
    assert db.session.get(SpecialDiscount, discounted.id).value == 5


def test_a_special_discount_is_removed_and_the_totals_follow(api_as, order, discounted):
    response = api_as("manager").delete(f"/api/v1/orders/{order.id}/special-discounts/{discounted.id}")

    assert response.status_code == 200
    assert response.get_json()["special_discounts"] == []
    assert response.get_json()["totals"]["special_discounts_total"] == "0.00"
    assert count(SpecialDiscount) == 0


@pytest.mark.parametrize("method", ["post", "patch", "delete"])
def test_a_viewer_may_not_change_special_discounts(api_as, order, discounted, method):
    version = fresh_order(order.id).version
    client = api_as("viewer")
    url = f"/api/v1/orders/{order.id}/special-discounts"

    if method == "post":
        response = client.post(url, json={"type": "amount", "value": "1"})
    else:
        response = getattr(client, method)(
            f"{url}/{discounted.id}", json={"value": "1"} if method == "patch" else None
        )

    problem(response, 403, "permission_denied")
    assert _unchanged(order.id, version, 1)


def test_special_discounts_of_a_shipped_order_cannot_change(api_as, catalog, users):
    shipped = order_in_status(db.session, catalog, "shipped", actor=users["manager"])
    db.session.commit()
    version = shipped.version

    response = api_as("manager").post(
        f"/api/v1/orders/{shipped.id}/special-discounts", json={"type": "amount", "value": "1"}
    )

    problem(response, 409, "order_not_editable")
    assert _unchanged(shipped.id, version, 0)


def test_a_special_discount_not_on_the_order_is_a_404(api_as, order, catalog, users, discounted):
    other = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    url = f"/api/v1/orders/{other.id}/special-discounts/{discounted.id}"

    problem(api_as("sales").patch(url, json={"value": "1"}), 404, "not_found")
    problem(api_as("sales").delete(url), 404, "not_found")
    assert count(SpecialDiscount) == 1


def test_the_special_discounts_of_a_missing_order_are_a_404(api_as):
    problem(api_as("viewer").get("/api/v1/orders/999/special-discounts"), 404, "not_found")
    response = api_as("sales").post(
        "/api/v1/orders/999/special-discounts", json={"type": "amount", "value": "1"}
    )
    problem(response, 404, "not_found")
