"""/api/v1/orders/{id}/coupons and /promotions: Add Coupon Code, removing a coupon and
(de)activating a promotion, as the order page's Discounts section does, answering with the
order and its new totals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from actions.coupons import check_new_coupon
from models import AppliedPromotion, Coupon, Order, Promotion, db
from tests.factories import make_order, order_in_status
from tests.functional.api.order_parts import count, fresh_order, problem

D = Decimal


@pytest.fixture
def order(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


@pytest.fixture
def coupon(app: Any) -> Coupon:
    promotion = Promotion(
        name="Spring Sale", kind="order_percent", value=D("10"), active=True, requires_coupon=True
    )
    made = Coupon(code="SPRING10", promotion=promotion, enabled=True, uses=0, uses_per_coupon=5)
    db.session.add(promotion)
    check_new_coupon(db.session, made)
    db.session.add(made)
    db.session.commit()
    return made


def _uses(coupon_id: int) -> int:
    db.session.rollback()
    return db.session.get(Coupon, coupon_id).uses


def _applied(order: Order, coupon: Coupon, client: Any) -> int:
    response = client.post(f"/api/v1/orders/{order.id}/coupons", json={"code": coupon.code})
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["applied_promotions"][0]["id"])


def test_a_coupon_applied_through_the_api_shows_on_the_order_with_its_discount(api_as, order, coupon):
    # Given a sales user's client and an open order of $45.50
    client = api_as("sales")
    version = order.version

    # When they apply the coupon, typed in lower case
    response = client.post(f"/api/v1/orders/{order.id}/coupons", json={"code": " spring10 "})

    # Then the answer is the order with the coupon and its new totals, under a new ETag
    assert response.status_code == 200
    body = response.get_json()
    assert [(p["coupon_code"], p["promotion_name"]) for p in body["applied_promotions"]] == [
        ("SPRING10", "Spring Sale")
    ]
    assert body["totals"]["promotion_discounts_total"] == "4.55"
    assert body["version"] > version and response.headers["ETag"] == f'"{body["version"]}"'
    assert _uses(coupon.id) == 1
    # and reading the order shows the same
    shown = client.get(f"/api/v1/orders/{order.id}").get_json()
    assert shown["applied_promotions"][0]["coupon_code"] == "SPRING10"
    assert shown["totals"] == body["totals"]


@pytest.mark.parametrize(
    ("code", "detail"),
    [
        ("NOPE", 'Coupon code "NOPE" was not found.'),
        ("   ", "Please enter a coupon code."),
    ],
)
def test_a_coupon_that_may_not_go_on_the_order_is_refused_with_why(api_as, order, coupon, code, detail):
    version = order.version
    response = api_as("sales").post(f"/api/v1/orders/{order.id}/coupons", json={"code": code})

    body = problem(response, 422, "coupon_not_applicable")
    assert body["detail"] == detail
    assert body["errors"] == {"coupon_code": [detail]}
    assert count(AppliedPromotion) == 0 and fresh_order(order.id).version == version


def test_a_coupon_at_its_usage_limit_is_refused_and_not_counted(api_as, order, coupon):
    coupon.uses = coupon.uses_per_coupon
    db.session.commit()

    response = api_as("sales").post(f"/api/v1/orders/{order.id}/coupons", json={"code": "SPRING10"})

    refusal = problem(response, 422, "coupon_not_applicable")
    assert refusal["detail"] == "Usage limit exceeded for coupon SPRING10."
    assert _uses(coupon.id) == 5 and count(AppliedPromotion) == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"code": 10}, {"code": None}, {"code": "SPRING10", "discount": "1"}],
    ids=["no code", "a number", "null", "an unknown field"],
)
def test_a_malformed_coupon_request_is_refused_and_changes_nothing(api_as, order, coupon, body):
    version = order.version
    response = api_as("sales").post(f"/api/v1/orders/{order.id}/coupons", json=body)

    problem(response, 422)
    assert _uses(coupon.id) == 0 and fresh_order(order.id).version == version


def test_a_viewer_may_not_apply_a_coupon(api_as, order, coupon):
    response = api_as("viewer").post(f"/api/v1/orders/{order.id}/coupons", json={"code": "SPRING10"})

    problem(response, 403, "permission_denied")
    assert _uses(coupon.id) == 0 and count(AppliedPromotion) == 0


def test_a_coupon_cannot_go_on_a_closed_order(api_as, catalog, users, coupon):
    closed = order_in_status(db.session, catalog, "closed", actor=users["manager"])
    db.session.commit()

    response = api_as("manager").post(f"/api/v1/orders/{closed.id}/coupons", json={"code": "SPRING10"})

    assert "cannot be edited because it is closed" in problem(response, 409, "order_not_editable")["detail"]
    assert _uses(coupon.id) == 0


def test_a_coupon_for_a_missing_order_is_a_404(api_as, coupon):
    problem(api_as("sales").post("/api/v1/orders/999/coupons", json={"code": "SPRING10"}), 404, "not_found")


def test_removing_a_coupon_gives_its_use_back_and_answers_with_the_new_totals(api_as, order, coupon):
    client = api_as("sales")
    applied_id = _applied(order, coupon, client)

    response = client.delete(f"/api/v1/orders/{order.id}/coupons/{applied_id}")

    assert response.status_code == 200
    body = response.get_json()
    assert body["applied_promotions"] == [] and body["totals"]["promotion_discounts_total"] == "0.00"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert _uses(coupon.id) == 0


def test_a_viewer_may_not_remove_a_coupon(api_as, order, coupon):
    applied_id = _applied(order, coupon, api_as("sales"))
    version = fresh_order(order.id).version
    response = api_as("viewer").delete(f"/api/v1/orders/{order.id}/coupons/{applied_id}")

    problem(response, 403, "permission_denied")
    assert _uses(coupon.id) == 1 and fresh_order(order.id).version == version


def test_removing_a_coupon_the_order_does_not_have_is_a_404(api_as, order, coupon):
    problem(api_as("sales").delete(f"/api/v1/orders/{order.id}/coupons/4242"), 404, "not_found")


@pytest.fixture
def automatic(catalog: dict[str, Any], users: dict[str, Any]) -> Order:
    """An open order that got an automatic 5% promotion when it was created."""
    db.session.add(
        Promotion(name="Always 5", kind="order_percent", value=D("5"), active=True, requires_coupon=False)
    )
    db.session.flush()
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    assert [p.promotion_name for p in made.applied_promotions] == ["Always 5"]
    return made


def test_an_automatic_promotion_is_not_removed_but_deactivated_and_activated_again(api_as, automatic):
    client = api_as("sales")
    applied_id = automatic.applied_promotions[0].id
    base = f"/api/v1/orders/{automatic.id}"

    # Removing it as a coupon is refused
    refused = client.delete(f"{base}/coupons/{applied_id}")
    assert problem(refused, 409)["detail"] == (
        "An automatic promotion cannot be removed; deactivate it instead."
    )
    assert count(AppliedPromotion) == 1

    # Deactivating keeps it without a discount; activating brings the discount back
    off = client.patch(f"{base}/promotions/{applied_id}", json={"active": False})
    assert off.status_code == 200
    assert off.get_json()["applied_promotions"][0]["active"] is False
    assert off.get_json()["totals"]["promotion_discounts_total"] == "0.00"
    on = client.patch(f"{base}/promotions/{applied_id}", json={"active": True})
    assert on.status_code == 200 and on.get_json()["totals"]["promotion_discounts_total"] == "2.28"


@pytest.mark.parametrize("body", [{}, {"active": "perhaps"}, {"active": True, "amount": "9"}])
def test_a_malformed_promotion_change_is_refused(api_as, automatic, body):
    applied_id = automatic.applied_promotions[0].id

    response = api_as("sales").patch(f"/api/v1/orders/{automatic.id}/promotions/{applied_id}", json=body)

    problem(response, 422)
    assert fresh_order(automatic.id).applied_promotions[0].active is True


def test_a_viewer_may_not_deactivate_a_promotion(api_as, automatic):
    applied_id = automatic.applied_promotions[0].id

    response = api_as("viewer").patch(
        f"/api/v1/orders/{automatic.id}/promotions/{applied_id}", json={"active": False}
    )

    problem(response, 403, "permission_denied")
    assert fresh_order(automatic.id).applied_promotions[0].active is True


def test_changing_a_promotion_the_order_does_not_have_is_a_404(api_as, order):
    response = api_as("sales").patch(f"/api/v1/orders/{order.id}/promotions/77", json={"active": False})

    problem(response, 404, "not_found")
