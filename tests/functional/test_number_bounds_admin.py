"""Numbers typed into the catalog and marketing forms are kept exactly or refused with a
message: NaN, other scripts' digits, 1e30 and too many decimals never reach the database."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Product, ProductPrice, Promotion, db


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("value", ["NaN", "١٢", "1e30", "9999999999999999999999999", "1.23456"])
def test_a_promotion_value_that_cannot_be_kept_exactly_is_refused(login_as, users, value):
    client = login_as("manager")
    response = client.post(
        "/admin/promotions/new/",
        data={"name": "Odd", "kind": "order_percent", "value": value, "active": "y", "requires_coupon": "y"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "InvalidOperation" not in page
    assert any(m in page for m in ("not a valid number", "must be less than", "decimal places"))
    assert _count(Promotion) == 0


@pytest.mark.parametrize("price", ["1e30", "NaN", "٣"])
def test_a_product_price_that_cannot_be_kept_exactly_is_refused(login_as, users, price):
    client = login_as("admin")
    response = client.post(
        "/admin/products/new/",
        data={
            "sku": "ODD-1",
            "name": "Odd",
            "unit": "item",
            "active": "y",
            "prices-0-currency": "USD",
            "prices-0-unit": "item",
            "prices-0-value": price,
        },
    )
    assert response.status_code == 200
    assert _count(Product) == 0 and _count(ProductPrice) == 0


def test_an_ordinary_product_price_is_saved_exactly(login_as, users):
    client = login_as("admin")
    response = client.post(
        "/admin/products/new/",
        data={
            "sku": "OK-1",
            "name": "Fine",
            "unit": "item",
            "active": "y",
            "prices-0-currency": "USD",
            "prices-0-unit": "item",
            "prices-0-value": "999999999.99",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert str(db.session.scalar(select(ProductPrice.value))) == "999999999.9900"
