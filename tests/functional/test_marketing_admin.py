"""Marketing > Promotions and Marketing > Coupons (SPEC §7, §8): create and edit promotions,
create and generate coupons, see their use and orders, enable/disable in bulk."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from actions.coupons import check_new_coupon
from actions.discounts import apply_coupon
from models import Coupon, Order, Promotion, db
from tests.conftest import flashed_messages
from tests.factories import make_order

D = Decimal


def _promotions() -> list[Promotion]:
    db.session.rollback()
    db.session.expire_all()
    return list(db.session.scalars(select(Promotion).order_by(Promotion.id)))


def _coupons() -> list[Coupon]:
    db.session.rollback()
    db.session.expire_all()
    return list(db.session.scalars(select(Coupon).order_by(Coupon.id)))


@pytest.fixture
def promotion(app) -> Promotion:
    made = Promotion(
        name="Spring Sale", kind="order_percent", value=D("10"), active=True, requires_coupon=True
    )
    db.session.add(made)
    db.session.commit()
    return made


PROMOTION_FORM = {
    "name": "Summer",
    "kind": "order_amount",
    "value": "15.00",
    "currency": "USD",
    "minimum_subtotal": "50",
    "active": "y",
    "requires_coupon": "y",
}


def test_a_manager_creates_a_promotion(login_as):
    client = login_as("manager")
    assert client.get("/admin/promotions/new/").status_code == 200
    response = client.post("/admin/promotions/new/", data=PROMOTION_FORM)
    assert response.status_code == 302
    [made] = _promotions()
    assert (made.name, made.kind, made.value, made.currency, made.minimum_subtotal) == (
        "Summer",
        "order_amount",
        D("15.00"),
        "USD",
        D("50"),
    )
    assert "Summer" in client.get("/admin/promotions/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "order_percent", "value": "150", "currency": ""}, "at most 100"),
        ({"currency": ""}, "needs the currency of its amount"),
        ({"value": "0"}, "greater than 0"),
    ],
)
def test_a_promotion_with_bad_terms_is_not_saved(login_as, changes, message):
    client = login_as("manager")
    response = client.post(
        "/admin/promotions/new/", data={**PROMOTION_FORM, **changes}, follow_redirects=True
    )
    assert message in response.get_data(as_text=True)
    assert _promotions() == []


def test_a_manager_edits_a_promotion(login_as, promotion):
    client = login_as("manager")
    data = {"name": "Spring Sale", "kind": "order_percent", "value": "12.5", "currency": "", "active": "y"}
    client.post(f"/admin/promotions/edit/?id={promotion.id}", data=data)
    [stored] = _promotions()
    assert (stored.value, stored.requires_coupon, stored.currency) == (D("12.5"), False, None)


def test_sales_sees_promotions_and_coupons_but_cannot_change_them(login_as, promotion):
    client = login_as("sales")
    assert client.get("/admin/promotions/").status_code == 200
    assert client.get("/admin/coupons/").status_code == 200
    page = client.get("/admin/coupons/").get_data(as_text=True)
    assert "Generate Coupons" not in page
    client.post("/admin/promotions/new/", data=PROMOTION_FORM)
    client.post(
        "/admin/coupons/generate/", data={"promotion_id": promotion.id, "count": "3", "code_length": "8"}
    )
    assert len(_promotions()) == 1 and _coupons() == []


def test_a_manager_creates_a_coupon_and_a_duplicate_in_another_case_is_refused(login_as, promotion):
    client = login_as("manager")
    data = {
        "code": " Welcome-5 ",
        "promotion": str(promotion.id),
        "enabled": "y",
        "uses_per_coupon": "3",
        "uses_per_customer_user": "",
    }
    assert client.post("/admin/coupons/new/", data=data).status_code == 302
    [made] = _coupons()
    assert (made.code, made.code_key, made.uses, made.uses_per_coupon, made.uses_per_customer_user) == (
        "Welcome-5",
        "welcome-5",
        0,
        3,
        None,
    )

    response = client.post("/admin/coupons/new/", data={**data, "code": "WELCOME-5"}, follow_redirects=True)
    assert "already exists" in response.get_data(as_text=True)
    assert len(_coupons()) == 1


def test_a_manager_generates_a_batch_of_coupons(login_as, promotion):
    client = login_as("manager")
    assert client.get("/admin/coupons/generate/").status_code == 200
    response = client.post(
        "/admin/coupons/generate/",
        data={
            "promotion_id": str(promotion.id),
            "count": "20",
            "prefix": "SPR-",
            "code_length": "6",
            "uses_per_coupon": "2",
            "uses_per_customer_user": "1",
            "valid_until": "2031-01-01T00:00",
        },
    )
    assert response.status_code == 302
    assert flashed_messages(client) == ["20 coupons generated for Spring Sale."]
    made = _coupons()
    assert len(made) == 20 and all(c.code.startswith("SPR-") for c in made)
    assert all(c.valid_until is not None and c.valid_until.year == 2031 for c in made)


def test_coupons_are_enabled_and_disabled_in_bulk(login_as, promotion):
    for code in ("A1", "B2", "C3"):
        coupon = Coupon(code=code, promotion=promotion, enabled=True, uses=0)
        check_new_coupon(db.session, coupon)
        db.session.add(coupon)
    db.session.commit()
    ids = [str(c.id) for c in _coupons()[:2]]
    client = login_as("manager")
    client.post("/admin/coupons/action/", data={"action": "disable", "rowid": ids})
    assert [c.enabled for c in _coupons()] == [False, False, True]
    assert "2 coupons disabled." in flashed_messages(client)
    client.post("/admin/coupons/action/", data={"action": "enable", "rowid": ids[:1]})
    assert [c.enabled for c in _coupons()] == [True, False, True]


def test_a_coupon_page_shows_its_use_count_and_the_orders_that_used_it(login_as, promotion, catalog, users):
    coupon = Coupon(
        code="SHOWME", promotion=promotion, enabled=True, uses=0, uses_per_coupon=5, uses_per_customer_user=5
    )
    check_new_coupon(db.session, coupon)
    db.session.add(coupon)
    order = make_order(db.session, catalog, actor=users["sales"])
    apply_coupon(db.session, order, "showme", actor=users["sales"])
    db.session.commit()
    client = login_as("viewer")

    listing = client.get("/admin/coupons/").get_data(as_text=True)
    assert "SHOWME" in listing
    page = client.get(f"/admin/coupons/details/?id={coupon.id}").get_data(as_text=True)
    assert 'class="coupon-order"' in page and order.identifier in page and "Counted" in page
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_the_marketing_menu_lists_promotions_and_coupons(login_as):
    page = login_as("viewer").get("/admin/").get_data(as_text=True)
    assert "Marketing" in page and "/admin/promotions/" in page and "/admin/coupons/" in page


def test_a_promotion_with_coupons_is_not_deleted(login_as, promotion):
    coupon = Coupon(code="KEEP", promotion=promotion, enabled=True, uses=0)
    check_new_coupon(db.session, coupon)
    db.session.add(coupon)
    db.session.commit()
    client = login_as("manager")
    response = client.post("/admin/promotions/delete/", data={"id": str(promotion.id)}, follow_redirects=True)
    assert "has coupons; make it inactive instead" in response.get_data(as_text=True)
    assert len(_promotions()) == 1
