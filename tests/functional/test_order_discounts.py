"""The order page's discount dialogs (SPEC §4, §7): Add Coupon Code, Add Special Discount,
and deactivating, re-activating and removing what is applied, with totals following."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from actions.coupons import check_new_coupon
from actions.discounts import apply_coupon
from models import AppliedPromotion, Coupon, Order, Promotion, SpecialDiscount, db
from tests.conftest import flashed_messages
from tests.factories import make_order

D = Decimal


def _order(order_id: int) -> Order:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Order, order_id)


@pytest.fixture
def order(catalog, users) -> Order:
    made = make_order(db.session, catalog, actor=users["sales"])
    db.session.commit()
    return made


@pytest.fixture
def coupon(app) -> Coupon:
    promotion = Promotion(
        name="Spring Sale", kind="order_percent", value=D("10"), active=True, requires_coupon=True
    )
    made = Coupon(
        code="SPRING10",
        promotion=promotion,
        enabled=True,
        uses=0,
        uses_per_coupon=5,
        uses_per_customer_user=5,
    )
    db.session.add(promotion)
    check_new_coupon(db.session, made)
    db.session.add(made)
    db.session.commit()
    return made


def _uses(coupon_id: int) -> int:
    db.session.rollback()
    return db.session.get(Coupon, coupon_id).uses


def test_sales_applies_a_coupon_and_the_discount_shows_in_the_discounts_and_totals(login_as, order, coupon):
    # Given a sales user on an open order of $45.50 + $10 shipping + 10% tax
    client = login_as("sales")
    assert 'id="add-coupon-code"' in client.get(f"/admin/orders/details/?id={order.id}").get_data(
        as_text=True
    )
    assert client.get(f"/admin/orders/coupon/?id={order.id}").status_code == 200

    # When they add the coupon typed in lower case
    response = client.post(f"/admin/orders/coupon/?id={order.id}", data={"code": " spring10 "})

    # Then they are back on the order with the discount applied and the use counted
    assert response.status_code == 302
    assert flashed_messages(client) == ["Coupon SPRING10 was added to the order"]
    assert _order(order.id).promotion_discounts_total == D("4.55")
    assert _uses(coupon.id) == 1
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert 'class="applied-promotion"' in page and "Spring Sale" in page
    assert 'data-row="Spring Sale (Coupon SPRING10)"' in page
    assert "-$4.55" in page and "$55.05" in page  # 45.50 - 4.55 + 10.00 + 4.10 tax
    applied = db.session.scalars(select(AppliedPromotion).where(AppliedPromotion.order_id == order.id)).one()
    # the Change History records it in words
    assert f"Added promotion {applied.promotion_name} (coupon {applied.coupon_code})" in page


def test_an_unknown_code_shows_its_message_on_the_dialog_and_changes_nothing(login_as, order, coupon):
    client = login_as("sales")
    response = client.post(f"/admin/orders/coupon/?id={order.id}", data={"code": "NOPE"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Coupon code &#34;NOPE&#34; was not found." in page or 'Coupon code "NOPE" was not found.' in page
    assert _order(order.id).applied_promotions == []


def test_a_viewer_sees_no_discount_buttons_and_cannot_post_them(login_as, order, coupon):
    client = login_as("viewer")
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert "Add Coupon Code" not in page and "Add Special Discount" not in page
    for url, data in (
        (f"/admin/orders/coupon/?id={order.id}", {"code": "SPRING10"}),
        (f"/admin/orders/discount/?id={order.id}", {"type": "percent", "value": "10"}),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 302
    assert _order(order.id).applied_promotions == []
    assert _order(order.id).special_discounts == []
    assert _uses(coupon.id) == 0


def test_a_closed_order_offers_no_discount_dialogs_and_refuses_them(login_as, closed_order, coupon):
    client = login_as("sales")
    page = client.get(f"/admin/orders/details/?id={closed_order.id}").get_data(as_text=True)
    assert "Add Coupon Code" not in page
    response = client.post(f"/admin/orders/coupon/?id={closed_order.id}", data={"code": "SPRING10"})
    assert response.status_code == 302
    assert any("cannot be edited because it is closed" in m for m in flashed_messages(client))
    assert _uses(coupon.id) == 0


def test_sales_adds_edits_and_removes_a_special_discount(login_as, order):
    client = login_as("sales")
    assert client.get(f"/admin/orders/discount/?id={order.id}").status_code == 200

    # When a 10% discount is added
    response = client.post(
        f"/admin/orders/discount/?id={order.id}",
        data={"type": "percent", "value": "10", "description": "Loyalty"},
    )
    assert response.status_code == 302
    assert flashed_messages(client) == ["Special Discount successfully added"]
    stored = _order(order.id)
    assert (stored.special_discounts_total, stored.total) == (D("4.55"), D("55.05"))
    discount_id = stored.special_discounts[0].id
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert 'data-row="Loyalty (Special Discount)"' in page

    # When it is changed to $5.00
    assert (
        client.get(f"/admin/orders/discount/edit/?id={order.id}&discount_id={discount_id}").status_code == 200
    )
    client.post(
        f"/admin/orders/discount/edit/?id={order.id}&discount_id={discount_id}",
        data={"type": "amount", "value": "5.00", "description": "Goodwill"},
    )
    stored = _order(order.id)
    assert (stored.special_discounts[0].description, stored.special_discounts_total) == (
        "Goodwill",
        D("5.00"),
    )

    # When it is removed
    client.post("/admin/orders/discount/remove/", data={"id": order.id, "discount_id": discount_id})
    assert _order(order.id).special_discounts == [] and _order(order.id).total == D("60.05")


def test_a_too_large_special_discount_is_refused_with_the_spec_message(login_as, order):
    client = login_as("sales")
    response = client.post(
        f"/admin/orders/discount/?id={order.id}", data={"type": "amount", "value": "50", "description": ""}
    )
    assert response.status_code == 200
    assert "The sum of all discounts cannot exceed the order subtotal" in response.get_data(as_text=True)
    assert db.session.scalars(select(SpecialDiscount)).all() == []


def _applied(order: Order, users: dict[str, Any]) -> AppliedPromotion:
    applied = apply_coupon(db.session, db.session.get(Order, order.id), "SPRING10", actor=users["sales"])
    db.session.commit()
    return applied


def test_deactivating_activating_and_removing_a_coupon_on_the_order_page(login_as, order, coupon, users):
    applied = _applied(order, users)
    client = login_as("sales")
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert "Deactivate" in page and "remove-coupon" in page

    client.post(
        "/admin/orders/promotion/toggle/", data={"id": order.id, "applied_id": applied.id, "active": "0"}
    )
    assert flashed_messages(client) == ["Promotion has been deactivated"]
    assert _order(order.id).promotion_discounts_total == 0

    client.post(
        "/admin/orders/promotion/toggle/", data={"id": order.id, "applied_id": applied.id, "active": "1"}
    )
    assert _order(order.id).promotion_discounts_total == D("4.55")

    client.post("/admin/orders/coupon/remove/", data={"id": order.id, "applied_id": applied.id})
    assert flashed_messages(client)[-1] == "Coupon has been removed from the order"
    assert _order(order.id).applied_promotions == [] and _uses(coupon.id) == 0


def test_the_edit_form_shows_applied_promotions_and_can_deactivate_or_remove_them(
    login_as, order, coupon, users
):
    from tests.functional.test_order_form import _edit_form

    applied = _applied(order, users)
    client = login_as("sales")
    page = client.get(f"/admin/orders/edit/?id={order.id}").get_data(as_text=True)
    assert 'id="edit-promotions"' in page and 'name="promotions-0-state"' in page

    # When the edit form is saved with the coupon deactivated
    stored = _order(order.id)
    form = _edit_form(
        stored, **{"promotions-0-applied_id": str(applied.id), "promotions-0-state": "inactive"}
    )
    assert client.post(f"/admin/orders/edit/?id={order.id}", data=form).status_code == 302
    stored = _order(order.id)
    assert stored.applied_promotions[0].active is False
    assert stored.promotion_discounts_total == 0

    # When it is saved again with the coupon removed
    form = _edit_form(stored, **{"promotions-0-applied_id": str(applied.id), "promotions-0-state": "remove"})
    assert client.post(f"/admin/orders/edit/?id={order.id}", data=form).status_code == 302
    assert _order(order.id).applied_promotions == [] and _uses(coupon.id) == 0


def test_cancelling_the_order_releases_the_coupon_use(login_as, order, coupon, users):
    _applied(order, users)
    client = login_as("manager")
    client.post("/admin/orders/transition/", data={"id": order.id, "transition": "cancel"})
    assert _order(order.id).internal_status == "cancelled"
    assert _uses(coupon.id) == 0


def test_a_special_discount_is_called_special_discount_on_every_screen(login_as, order):
    client = login_as("sales")
    dialog = client.get(f"/admin/orders/discount/?id={order.id}").get_data(as_text=True)
    assert '<label for="discount-value">Special Discount *</label>' in dialog

    # Given a special discount without a description
    client.post(f"/admin/orders/discount/?id={order.id}", data={"type": "amount", "value": "2.00"})
    assert flashed_messages(client) == ["Special Discount successfully added"]

    # Then the order page, its totals and the edit form all say "Special Discount"
    page = client.get(f"/admin/orders/details/?id={order.id}").get_data(as_text=True)
    assert 'data-row="Special Discount"' in page and "<td>Special Discount</td>" in page
    assert "Remove this Special Discount?" in page
    form = client.get(f"/admin/orders/edit/?id={order.id}").get_data(as_text=True)
    assert 'placeholder="Special Discount"' in form
    for screen in (dialog, page, form):
        assert "(Discount)" not in screen and 'placeholder="Discount"' not in screen
        assert "Order Discount" not in screen and "<td>Discount</td>" not in screen

    client.post(
        "/admin/orders/discount/remove/", data={"id": order.id, "discount_id": order.special_discounts[0].id}
    )
    assert flashed_messages(client) == ["Special Discount has been removed"]
