"""A sales user applies a demo coupon and a 10% special discount to an order and reads the
totals rows (SPEC §2.1, §7), through Debian's Chromium against a live server."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, select

from models import Customer, Product, ShippingMethod, User, db
from tests import factories
from tests.browser.conftest import _seed, _serving


@dataclass
class CouponServer:
    url: str
    number: str  # an open $45.50 order with no promotion on it


def _seed_with_demo_coupons() -> str:
    from seed.promotions import create_promotions

    _orders, _customer = _seed()
    sales = db.session.scalar(select(User).where(User.email == "sales@example.com"))
    create_promotions(db.session, random.Random(1), sales, lambda _message: None)
    db.session.commit()
    customer = db.session.scalars(select(Customer).filter_by(name="Acme Industrial")).one()
    fresh = factories.make_order(
        db.session,
        {
            "customer": customer,
            "buyer": customer.users[0],
            "address": customer.addresses[0],
            "widget": db.session.scalars(select(Product).filter_by(sku="WID-1")).one(),
            "gadget": db.session.scalars(select(Product).filter_by(sku="GAD-2")).one(),
            "shipping": db.session.scalars(select(ShippingMethod).filter_by(name="Flat Rate")).one(),
        },
        actor=sales,
        po_number="PO-COUPON",
    )
    db.session.commit()
    return fresh.identifier


@pytest.fixture
def coupon_server(clean_db: Engine, database_url: str) -> Iterator[CouponServer]:
    """live_server's users, catalog and orders, the demo promotions and coupons, and one more
    open order of 2 × $10.00 + 1 × $25.50 with $10 flat-rate shipping and 10% US tax."""
    with _serving(database_url, _seed_with_demo_coupons) as (url, number):
        yield CouponServer(url=url, number=number)


def totals_rows(page: Page) -> list[tuple[str, str]]:
    rows = page.locator("#section-totals tr")
    return [
        (
            rows.nth(i).locator("td").nth(0).inner_text().strip(),
            rows.nth(i).locator("td").nth(1).inner_text().strip(),
        )
        for i in range(rows.count())
    ]


def test_a_demo_coupon_and_a_ten_percent_special_discount_make_the_totals_rows(
    page: Page, coupon_server: CouponServer, sign_in: Any, screenshot_dir: Path
) -> None:
    base, number = coupon_server.url, coupon_server.number

    # Given a sales user on the open order's page
    sign_in(page, base, "sales")
    page.goto(f"{base}/admin/orders/")
    page.locator("table.model-list").get_by_role("link", name=number, exact=True).click()
    expect(page.locator("#order-title")).to_contain_text(f"Order #{number}")
    page.wait_for_load_state()  # the dialogs' script has run: Add Coupon Code opens in place

    # When they try the expired demo coupon, they are told so and nothing is applied
    page.locator("#add-coupon-code").click()
    page.get_by_label("Coupon Code", exact=True).fill("winter15")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".alert")).to_contain_text("Coupon WINTER15 has expired.")

    # When they apply SPRING10, typed in lower case with spaces
    page.get_by_label("Coupon Code", exact=True).fill("  spring10 ")
    page.get_by_role("button", name="Apply").click()

    # Then they are back on the order, the coupon is in the Discounts section
    expect(page.locator("#order-title")).to_contain_text(f"Order #{number}")
    expect(page.locator(".alert")).to_contain_text("Coupon SPRING10 was added to the order")
    applied = page.locator("#applied-promotions tr.applied-promotion")
    expect(applied).to_have_count(1)
    expect(applied).to_contain_text("Spring Sale 10%")
    expect(applied).to_contain_text("SPRING10")

    # When they add a 10% special discount
    page.locator("#add-special-discount").click()
    page.get_by_label("Discount *").fill("10")
    page.get_by_label("Discount type").select_option("percent")
    page.get_by_label("Description").fill("Loyalty")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".alert")).to_contain_text("Special Discount successfully added")

    # Then the totals rows are: 45.50 − 4.55 − 4.55 + 10.00 + 10% tax on 36.40 = 50.04
    expect(page.locator("#section-totals tr")).to_have_count(6)
    assert totals_rows(page) == [
        ("Subtotal", "$45.50"),
        ("Loyalty (Special Discount)", "-$4.55"),
        ("Spring Sale 10% (Coupon SPRING10)", "-$4.55"),
        ("Shipping", "$10.00"),
        ("Tax", "$3.64"),
        ("Total", "$50.04"),
    ]
    expect(page.locator("#order-total")).to_have_text("$50.04")
    expect(page.locator("#special-discounts")).to_contain_text("Loyalty")
    page.screenshot(path=str(screenshot_dir / "order-coupon-and-discount.png"), full_page=True)

    # When they deactivate the coupon, the totals follow
    applied.get_by_role("button", name="Deactivate").click()
    expect(page.locator(".alert")).to_contain_text("Promotion has been deactivated")
    expect(page.locator("#order-total")).to_have_text("$55.05")
