"""Recorded changes read as a person would say them (issue #11 item 6): labels, not codes."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from actions.discounts import add_special_discount, remove_special_discount
from actions.history import audit_value, describe_change, describe_entry
from actions.lifecycle import apply_transition
from actions.order_input import DiscountData
from actions.shipping import TrackingData, ship_order
from models import AuditEntry
from tests.factories import make_order


def _described(session, order_id):
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.order_id == order_id).order_by(AuditEntry.id)
    )
    return [describe_entry(entry) for entry in entries]


def test_a_changed_quantity_reads_as_the_quantity_of_the_lines_sku(session, catalog):
    # Given an order with a widget line
    order = make_order(session, catalog)
    session.commit()

    # When the line's quantity goes from 2 to 12
    order.line_items[0].quantity = Decimal("12")
    session.commit()

    # Then the history says so with the SKU, in words
    last = _described(session, order.id)[-1]
    assert last.title == "Changed line item WID-1"
    assert last.lines == ("Quantity of WID-1: 2 → 12",)


def test_added_lines_read_with_their_sku_quantity_and_product(session, catalog):
    order = make_order(session, catalog)
    session.commit()
    titles = [d.title for d in _described(session, order.id)]
    assert f"Created order {order.identifier}" in titles
    assert "Added line item WID-1 (2 × Widget)" in titles


def test_a_removed_special_discount_reads_with_its_description(session, catalog):
    # Given an order with a special discount "Loyalty"
    order = make_order(session, catalog)
    session.commit()
    add_special_discount(session, order, DiscountData("percent", "10", "Loyalty"), actor=None)
    session.commit()

    # When it is removed
    remove_special_discount(session, order, order.special_discounts[0].id, actor=None)
    session.commit()

    # Then the history names it, added and removed
    titles = [d.title for d in _described(session, order.id)]
    assert "Added special discount Loyalty (10%)" in titles
    assert "Removed special discount Loyalty (10%)" in titles
    assert not [t for t in titles if "SpecialDiscount" in t or "#" in t]


def test_a_shipment_reads_as_the_button_with_status_labels_and_the_tracking_number(session, catalog):
    # When an order is marked as shipped with a UPS tracking number
    order = make_order(session, catalog)
    session.commit()
    ship_order(session, order, actor=None, trackings=[TrackingData("UPS", "1Z999AA10123456784")])
    session.commit()

    # Then the transition reads as its button, statuses as labels, the tracking by its number
    described = _described(session, order.id)
    [shipped] = [d for d in described if d.title == "Mark as Shipped"]
    assert "Internal Status: Open → Shipped" in shipped.lines
    assert "Shipping Status: Not Shipped → Shipped" in shipped.lines
    assert "Added tracking number 1Z999AA10123456784 (UPS)" in [d.title for d in described]


def test_a_cancelled_order_reads_as_cancel_not_its_code(session, catalog):
    order = make_order(session, catalog)
    session.commit()
    apply_transition(session, order, "cancel", actor=None)
    session.commit()
    last = _described(session, order.id)[-1]
    assert last.title == "Cancel"
    assert "Internal Status: Open → Cancelled" in last.lines


def test_a_promotion_switched_off_reads_active_yes_to_no():
    described = describe_change("update", "AppliedPromotion", 5, {"active": [True, False]}, "Spring Sale")
    assert described.title == "Changed promotion Spring Sale"
    assert described.lines == ("Active of promotion Spring Sale: yes → no",)


def test_booleans_promotion_kinds_and_discount_types_read_as_words():
    assert audit_value("free_form", False) == "no"
    assert audit_value("kind", "order_percent") == "Order percent"
    assert audit_value("type", "percent") == "Percent"
    assert audit_value("payment_status", "paid_in_full") == "Paid in Full"


def test_an_entry_written_before_names_were_kept_takes_the_name_from_its_snapshot_or_its_id():
    added = describe_change(
        "create", "AppliedPromotion", 3, {"promotion_name": "Spring Sale", "coupon_code": "S10"}
    )
    assert added.title == "Added promotion Spring Sale (coupon S10)"
    assert describe_change("update", "OrderLineItem", 792, {"quantity": ["1", "2"]}).lines == (
        "Quantity of line item #792: 1 → 2",
    )


def test_a_discount_without_a_description_is_named_by_its_value_once():
    described = describe_change("create", "SpecialDiscount", 4, {"type": "percent", "value": "10"}, "10%")
    assert described.title == "Added special discount 10%"
