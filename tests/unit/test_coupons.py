"""Add Coupon Code and managing what is applied (SPEC §7): each refusal in its order with its
own message, usage counters that follow apply/remove/cancel/delete, and automatic promotions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from actions.coupons import (
    MESSAGES,
    check_new_coupon,
    generate_coupons,
    set_coupons_enabled,
)
from actions.creation import OrderData, create_order
from actions.discounts import apply_coupon, remove_coupon, set_promotion_active
from actions.editing import delete_order, update_order
from actions.errors import (
    CouponNotApplicable,
    DiscountTooLarge,
    DomainError,
    OrderNotEditable,
    PermissionDenied,
    ValidationFailed,
)
from actions.lifecycle import apply_transition
from actions.order_input import LineData
from actions.promotions import check_promotion
from actions.reordering import order_data_from
from models import (
    AuditEntry,
    Coupon,
    CouponCustomerUserUse,
    CustomerUser,
    Promotion,
)
from tests import factories

D = Decimal
NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(session) -> dict[str, Any]:
    made = factories.make_catalog(session)
    made["users"] = factories.make_users(session)
    session.flush()
    return made


def make_promotion(session, **overrides: Any) -> Promotion:
    values: dict[str, Any] = dict(
        name="Spring Sale",
        kind="order_percent",
        value=D("10"),
        currency=None,
        minimum_subtotal=None,
        starts_at=None,
        ends_at=None,
        active=True,
        requires_coupon=True,
    )
    values.update(overrides)
    promotion = Promotion(**values)
    session.add(promotion)
    session.flush()
    return promotion


def make_coupon(session, promotion: Promotion, code: str = "SPRING10", **overrides: Any) -> Coupon:
    coupon = Coupon(
        code=code, promotion=promotion, enabled=True, uses=0, uses_per_coupon=1, uses_per_customer_user=1
    )
    for key, value in overrides.items():
        setattr(coupon, key, value)
    check_new_coupon(session, coupon)
    session.add(coupon)
    session.flush()
    return coupon


def order_for(session, world, **overrides: Any):
    return factories.make_order(session, world, actor=world["users"]["sales"], **overrides)


def refusal(session, order, code: str, actor=None) -> CouponNotApplicable:
    with pytest.raises(CouponNotApplicable) as caught:
        apply_coupon(session, order, code, actor=actor, now=NOW)
    return caught.value


# ---- every refusal, in SPEC §7's order, each with its own message ---------------------------


def test_a_blank_code_is_refused(session, world):
    order = order_for(session, world)
    assert refusal(session, order, "   ").message == "Please enter a coupon code."


def test_an_unknown_code_is_refused_naming_it(session, world):
    order = order_for(session, world)
    error = refusal(session, order, " NOPE ")
    assert (error.reason, error.message) == ("unknown", 'Coupon code "NOPE" was not found.')


def test_a_disabled_coupon_is_refused(session, world):
    make_coupon(session, make_promotion(session), enabled=False)
    error = refusal(session, order_for(session, world), "spring10")
    assert error.message == "Coupon SPRING10 is disabled."


def test_a_coupon_not_valid_yet_is_refused(session, world):
    make_coupon(session, make_promotion(session), valid_from=NOW + timedelta(days=1))
    error = refusal(session, order_for(session, world), "SPRING10")
    assert error.message == "The SPRING10 coupon has not started yet."


def test_an_expired_coupon_is_refused(session, world):
    make_coupon(session, make_promotion(session), valid_until=NOW - timedelta(days=1))
    error = refusal(session, order_for(session, world), "SPRING10")
    assert error.message == "Coupon SPRING10 has expired."


def test_a_coupon_of_an_inactive_promotion_is_refused(session, world):
    make_coupon(session, make_promotion(session, active=False))
    error = refusal(session, order_for(session, world), "SPRING10")
    assert error.message == "No active promotion found for coupon SPRING10."


def test_a_coupon_of_a_promotion_not_started_or_ended_is_refused(session, world):
    make_coupon(session, make_promotion(session, starts_at=NOW + timedelta(hours=1)))
    make_coupon(session, make_promotion(session, name="Old", ends_at=NOW - timedelta(hours=1)), code="OLD")
    order = order_for(session, world)
    assert (
        refusal(session, order, "SPRING10").message == "The promotion of coupon SPRING10 has not started yet."
    )
    assert refusal(session, order, "old").message == "The promotion of coupon OLD has ended."


def test_a_coupon_below_its_minimum_subtotal_is_refused(session, world):
    # Given an order with a $45.50 subtotal and a coupon for orders of $100 or more
    make_coupon(session, make_promotion(session, currency="USD", minimum_subtotal=D("100")))
    error = refusal(session, order_for(session, world), "SPRING10")
    assert error.message == "Coupon SPRING10 needs an order subtotal of at least $100.00."


def test_an_amount_coupon_in_another_currency_is_refused(session, world):
    make_coupon(session, make_promotion(session, kind="order_amount", value=D("5"), currency="EUR"))
    error = refusal(session, order_for(session, world), "SPRING10")
    assert error.message == "Coupon SPRING10 can only be used on orders in EUR."


def test_a_used_up_coupon_is_refused(session, world):
    make_coupon(session, make_promotion(session), uses=1, uses_per_coupon=1)
    error = refusal(session, order_for(session, world), "SPRING10")
    assert error.message == "Usage limit exceeded for coupon SPRING10."


def test_a_coupon_the_customer_user_has_used_up_is_refused(session, world):
    # Given a coupon good for 5 orders but 1 per customer user, already on one of Bea's orders
    make_coupon(session, make_promotion(session), uses_per_coupon=5)
    apply_coupon(session, order_for(session, world), "SPRING10", actor=None, now=NOW)

    # When Bea's second order tries it; then the per-customer-user limit refuses it
    error = refusal(session, order_for(session, world), "SPRING10")
    assert error.message == "Customer user coupon usage limit is exceeded for coupon SPRING10."


def test_a_second_coupon_of_the_same_promotion_is_refused(session, world):
    promotion = make_promotion(session)
    make_coupon(session, promotion, uses_per_coupon=None)
    make_coupon(session, promotion, code="SPRING-B", uses_per_coupon=None)
    order = order_for(session, world)
    apply_coupon(session, order, "SPRING10", actor=None, now=NOW)
    error = refusal(session, order, "SPRING-B")
    assert error.message == ("A coupon of the promotion Spring Sale is already applied to this order.")


def test_the_checks_run_in_the_spec_order(session, world):
    # Given a coupon that is disabled, expired and used up at once
    make_coupon(
        session,
        make_promotion(session, active=False),
        enabled=False,
        valid_until=NOW - timedelta(days=1),
        uses=1,
    )
    # Then the first check in SPEC §7's order answers
    assert refusal(session, order_for(session, world), "SPRING10").reason == "disabled"


def test_every_refusal_has_its_own_message():
    assert len(set(MESSAGES.values())) == len(MESSAGES)


def test_an_amount_coupon_larger_than_the_subtotal_is_refused_and_counts_nothing(session, world):
    coupon = make_coupon(
        session, make_promotion(session, kind="order_amount", value=D("500"), currency="USD")
    )
    order = order_for(session, world)
    with pytest.raises(DiscountTooLarge, match="cannot exceed the order subtotal"):
        apply_coupon(session, order, "SPRING10", actor=None, now=NOW)
    session.refresh(coupon)
    assert coupon.uses == 0 and order.applied_promotions == []


def test_a_viewer_cannot_apply_a_coupon_and_a_closed_order_refuses_one(session, world):
    make_coupon(session, make_promotion(session))
    order = order_for(session, world)
    with pytest.raises(PermissionDenied):
        apply_coupon(session, order, "SPRING10", actor=world["users"]["viewer"], now=NOW)
    factories.reach_status(session, order, "closed", actor=world["users"]["manager"])
    with pytest.raises(OrderNotEditable):
        apply_coupon(session, order, "SPRING10", actor=None, now=NOW)


# ---- applying, and what follows ------------------------------------------------------------


def test_applying_a_coupon_adds_the_discount_and_counts_one_use(session, world):
    # Given a 10% coupon and an order of $45.50 + $10 shipping + 10% US tax on goods
    coupon = make_coupon(session, make_promotion(session), code="Spring10")
    order = order_for(session, world)

    # When it is applied, typed in another case with spaces around
    applied = apply_coupon(session, order, "  sPrInG10 ", actor=world["users"]["sales"], now=NOW)

    # Then the promotion's discount is on the order and the use is counted
    assert (applied.coupon_code, applied.amount) == ("Spring10", D("4.55"))
    assert order.promotion_discounts_total == D("4.55")
    assert order.tax_total == D("4.10")  # 10% of 45.50 - 4.55
    assert order.total == D("45.50") - D("4.55") + D("10.00") + D("4.10")
    session.refresh(coupon)
    assert coupon.uses == 1
    per_user = session.scalars(select(CouponCustomerUserUse)).one()
    assert (per_user.customer_user_id, per_user.uses) == (world["buyer"].id, 1)
    assert (
        session.scalar(
            select(AuditEntry).where(
                AuditEntry.entity_type == "AppliedPromotion", AuditEntry.action == "create"
            )
        )
        is not None
    )


def test_removing_a_coupon_gives_its_use_back_and_the_totals_follow(session, world):
    coupon = make_coupon(session, make_promotion(session))
    order = order_for(session, world)
    applied = apply_coupon(session, order, "SPRING10", actor=None, now=NOW)

    remove_coupon(session, order, applied.id, actor=world["users"]["sales"])

    session.refresh(coupon)
    assert coupon.uses == 0 and order.applied_promotions == []
    assert order.promotion_discounts_total == 0 and order.total == D("60.05")
    # and the same customer user may use it again
    apply_coupon(session, order, "SPRING10", actor=None, now=NOW)


def test_deactivating_keeps_the_promotion_without_its_discount_and_activating_restores_it(session, world):
    coupon = make_coupon(session, make_promotion(session))
    order = order_for(session, world)
    applied = apply_coupon(session, order, "SPRING10", actor=None, now=NOW)

    set_promotion_active(session, order, applied.id, False, actor=None)
    assert (applied.active, applied.amount, order.total) == (False, 0, D("60.05"))
    session.refresh(coupon)
    assert coupon.uses == 1  # still held by the order

    set_promotion_active(session, order, applied.id, True, actor=None)
    assert applied.amount == D("4.55") and order.promotion_discounts_total == D("4.55")


def test_cancelling_an_order_releases_its_coupon_use_once(session, world):
    # Given a coupon used by one order that is then cancelled
    coupon = make_coupon(session, make_promotion(session), uses_per_coupon=1)
    order = order_for(session, world)
    apply_coupon(session, order, "SPRING10", actor=None, now=NOW)

    apply_transition(session, order, "cancel", actor=world["users"]["manager"])
    session.refresh(coupon)
    assert coupon.uses == 0
    assert order.applied_promotions[0].use_released

    # When the cancelled order is closed and deleted, the count does not go down again
    apply_transition(session, order, "close", actor=None)
    delete_order(session, order, actor=None)
    session.refresh(coupon)
    assert coupon.uses == 0

    # and another order can now use the coupon
    apply_coupon(session, order_for(session, world), "SPRING10", actor=None, now=NOW)


def test_deleting_an_open_order_releases_its_coupon_use(session, world):
    coupon = make_coupon(session, make_promotion(session))
    order = order_for(session, world)
    apply_coupon(session, order, "SPRING10", actor=None, now=NOW)
    delete_order(session, order, actor=None)
    session.refresh(coupon)
    assert coupon.uses == 0


def test_an_automatic_promotion_cannot_be_removed_only_deactivated(session, world):
    make_promotion(session, name="Everyone 5%", value=D("5"), requires_coupon=False)
    order = order_for(session, world)
    [applied] = order.applied_promotions
    with pytest.raises(DomainError, match="deactivate it instead"):
        remove_coupon(session, order, applied.id, actor=None)


# ---- automatic promotions --------------------------------------------------------------------


def test_an_automatic_promotion_applies_when_an_order_is_created(session, world):
    make_promotion(
        session,
        name="Free shipping",
        kind="shipping_percent",
        value=D("100"),
        requires_coupon=False,
        currency="USD",
        minimum_subtotal=D("40"),
    )
    make_promotion(
        session,
        name="Big orders",
        value=D("5"),
        requires_coupon=False,
        currency="USD",
        minimum_subtotal=D("1000"),
    )
    order = order_for(session, world)
    assert [p.promotion_name for p in order.applied_promotions] == ["Free shipping"]
    assert order.shipping_discounts_total == D("10.00")
    assert order.total == D("45.50") + D("4.55")


def test_editing_an_order_adds_and_drops_automatic_promotions_but_keeps_a_deactivation(session, world):
    # Given an order too small for the automatic "Big orders" promotion
    make_promotion(
        session,
        name="Big orders",
        value=D("5"),
        requires_coupon=False,
        currency="USD",
        minimum_subtotal=D("100"),
    )
    order = order_for(session, world)
    assert order.applied_promotions == []

    # When an edit makes it large enough; then the promotion joins
    data = order_data_from(order)
    data.lines = [LineData(product_id=world["widget"].id, quantity="10")]
    update_order(session, order, data, actor=None, expected_version=None)
    [applied] = order.applied_promotions
    assert applied.amount == D("5.00")

    # When the user deactivates it and edits again, it stays deactivated
    data = order_data_from(order)
    data.promotion_states = {applied.id: "inactive"}
    update_order(session, order, data, actor=None, expected_version=None)
    update_order(session, order, order_data_from(order), actor=None, expected_version=None)
    assert [(p.promotion_name, p.active) for p in order.applied_promotions] == [("Big orders", False)]

    # When re-activated and the order shrinks below the minimum, it is dropped
    data = order_data_from(order)
    data.promotion_states = {applied.id: "active"}
    data.lines = [LineData(product_id=world["widget"].id, quantity="1")]
    update_order(session, order, data, actor=None, expected_version=None)
    assert order.applied_promotions == []


def test_the_edit_form_can_remove_a_coupon_and_refuses_removing_an_automatic_one(session, world):
    coupon = make_coupon(session, make_promotion(session))
    make_promotion(session, name="Everyone 5%", value=D("5"), requires_coupon=False)
    order = order_for(session, world)
    applied = apply_coupon(session, order, "SPRING10", actor=None, now=NOW)
    automatic = next(p for p in order.applied_promotions if p.coupon_id is None)

    data = order_data_from(order)
    data.promotion_states = {automatic.id: "remove"}
    with pytest.raises(ValidationFailed, match="deactivate it instead"):
        update_order(session, order, data, actor=None, expected_version=None)

    data.promotion_states = {applied.id: "remove"}
    update_order(session, order, data, actor=None, expected_version=None)
    session.refresh(coupon)
    assert coupon.uses == 0
    assert [p.promotion_name for p in order.applied_promotions] == ["Everyone 5%"]


# ---- managing promotions and coupons --------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": " "}, "Name: this value should not be blank."),
        ({"value": D("0")}, "greater than 0 and at most 100"),
        ({"value": D("100.5")}, "greater than 0 and at most 100"),
        ({"kind": "order_amount", "value": D("5")}, "needs the currency of its amount"),
        ({"kind": "order_amount", "value": D("5.001"), "currency": "USD"}, "at most 2 decimal"),
        ({"ends_at": NOW, "starts_at": NOW + timedelta(days=1)}, "must not be before the start"),
    ],
)
def test_a_promotion_with_bad_terms_is_refused(overrides, message):
    values: dict[str, Any] = dict(
        name="P",
        kind="order_percent",
        value=D("10"),
        currency=None,
        minimum_subtotal=None,
        starts_at=None,
        ends_at=None,
    )
    values.update(overrides)
    with pytest.raises(ValidationFailed, match=message):
        check_promotion(Promotion(**values))


def test_coupon_codes_are_unique_whatever_their_case(session, world):
    promotion = make_promotion(session)
    make_coupon(session, promotion, code="SAVE")
    with pytest.raises(ValidationFailed, match="already exists"):
        make_coupon(session, promotion, code=" save ")


def test_a_batch_of_coupons_gets_new_prefixed_codes_and_can_be_disabled(session, world):
    promotion = make_promotion(session)
    made = generate_coupons(
        session,
        promotion,
        count=25,
        prefix="fall-",
        code_length=6,
        uses_per_coupon=3,
        uses_per_customer_user=None,
    )
    assert len({c.code_key for c in made}) == 25
    assert all(c.code.startswith("FALL-") and len(c.code) == 11 for c in made)
    assert all((c.uses_per_coupon, c.uses_per_customer_user) == (3, None) for c in made)
    assert set_coupons_enabled(session, [c.id for c in made[:10]], False) == 10
    assert session.scalar(select(Coupon).where(Coupon.enabled.is_(False)).limit(1)) is not None
    with pytest.raises(ValidationFailed, match="Count"):
        generate_coupons(session, promotion, count=0)


def test_a_coupon_without_a_customer_user_counts_only_the_coupon_limit(session, world):
    coupon = make_coupon(session, make_promotion(session), uses_per_coupon=2)
    order = order_for(session, world, customer_user_id=None)
    apply_coupon(session, order, "SPRING10", actor=None, now=NOW)
    session.refresh(coupon)
    assert coupon.uses == 1
    assert session.scalars(select(CouponCustomerUserUse)).all() == []
    assert session.get(CustomerUser, world["buyer"].id) is not None


def test_an_order_data_copy_ignores_promotion_states_when_creating(session, world):
    data = OrderData(
        customer_id=world["customer"].id,
        currency="USD",
        lines=[LineData(product_id=world["widget"].id, quantity="1")],
        promotion_states={999: "remove"},
    )
    order = create_order(session, data, actor=None)
    assert order.applied_promotions == []


# ---- the demo ------------------------------------------------------------------------------


def test_the_demo_coupon_codes_do_what_the_readme_says(session, storage):
    from pathlib import Path

    from seed import DEMO_COUPONS, seed_demo

    # Given the demo, seeded with 40 orders
    seed_demo(session, storage=storage, orders=40, seed=3, echo=lambda _m: None)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    from models import CustomerAddress, Product, ShippingMethod

    address = session.scalars(select(CustomerAddress).order_by(CustomerAddress.id)).first()
    product = session.scalars(select(Product).order_by(Product.id)).first()
    flat = session.scalar(select(ShippingMethod).where(ShippingMethod.name == "Flat Rate"))
    order = create_order(
        session,
        OrderData(
            customer_id=address.customer_id,
            currency="USD",
            shipping_method_id=flat.id,
            lines=[LineData(product_id=product.id, quantity="1", unit_price="50.00")],
        ),
        actor=None,
    )

    # Then every demo code is documented, and each gives the refusal it is there for
    assert all(f"`{demo.code}`" in readme for demo in DEMO_COUPONS)
    expected = {
        "FLASH5": "coupon_limit",
        "WINTER15": "expired",
        "SUMMER99": "not_started",
        "PAUSED10": "disabled",
        "CLEARANCE30": "promotion_inactive",
        "WELCOME20": "minimum_subtotal",
        "NOPE": "unknown",
    }
    for code, reason in expected.items():
        with pytest.raises(CouponNotApplicable) as caught:
            apply_coupon(session, order, code, actor=None)
        assert caught.value.reason == reason, code
    apply_coupon(session, order, "spring10", actor=None)
    assert refusal(session, order, "VIP10").reason == "same_promotion"
    assert apply_coupon(session, order, "SHIPHALF", actor=None).amount == D("7.50")
    flash = session.scalar(select(Coupon).where(Coupon.code == "FLASH5"))
    assert flash.uses == 1
