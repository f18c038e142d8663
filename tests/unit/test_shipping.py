"""Shipping an order (SPEC §2.2, §4): whole and partial shipments and the tracking numbers.

Every refusal is checked to leave the order as it was: statuses, shipped quantities,
trackings and the audit trail, read back from the database.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from actions.errors import DomainError, InvalidTransition, PermissionDenied, ValidationFailed
from actions.lifecycle import apply_transition
from actions.order_input import LineData
from actions.shipping import TrackingData, set_trackings, ship_order
from models import AuditEntry, Order, ShippingTracking
from tests.factories import make_order, reach_status

D = Decimal


@pytest.fixture
def order(session, catalog):
    """An open order: line 0 is 2 × WID-1, line 1 is 1 × GAD-2."""
    made = make_order(session, catalog)
    session.commit()
    return made


def reload(session, order: Order) -> Order:
    session.expire_all()
    return session.get(Order, order.id)


def state_of(session, order: Order) -> tuple:
    fresh = reload(session, order)
    audit_rows = session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.order_id == order.id)
    )
    return (
        fresh.internal_status,
        fresh.shipping_status,
        tuple(li.shipped_quantity for li in fresh.line_items),
        tuple((t.method, t.number) for t in fresh.shipping_trackings),
        audit_rows,
    )


def line_ids(order: Order) -> list[int]:
    return [li.id for li in order.line_items]


def order_actions(session, order: Order) -> list[str]:
    return list(
        session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity_type == "Order", AuditEntry.entity_id == order.id)
            .order_by(AuditEntry.id)
        )
    )


def refused_and_unchanged(session, order, error, call) -> DomainError:
    """Run a call that must be refused; check nothing changed; return the error."""
    before = state_of(session, order)
    fresh = reload(session, order)
    with pytest.raises(error) as refused:
        call(fresh)
    assert not session.new and not session.dirty and not session.deleted
    session.commit()
    assert state_of(session, order) == before
    return refused.value


# ---- whole shipments ----


def test_shipping_everything_ships_every_line_and_marks_the_order_shipped(session, order, users):
    # When the whole order is shipped by a sales user
    ship_order(session, order, actor=users["sales"])
    session.commit()

    # Then it is shipped, every quantity is shipped, and the audit names the transition
    fresh = reload(session, order)
    assert (fresh.internal_status, fresh.shipping_status) == ("shipped", "shipped")
    assert [li.shipped_quantity for li in fresh.line_items] == [D("2"), D("1")]
    assert order_actions(session, order)[-1] == "mark_shipped"


def test_giving_every_remaining_quantity_explicitly_also_completes_the_order(session, order):
    first, second = line_ids(order)
    ship_order(session, order, actor=None, quantities={first: "2", second: "1"})
    session.commit()
    fresh = reload(session, order)
    assert (fresh.internal_status, fresh.shipping_status) == ("shipped", "shipped")
    assert order_actions(session, order)[-1] == "mark_shipped"


# ---- partial shipments ----


def test_a_partial_shipment_keeps_the_order_open_and_partially_shipped(session, order, users):
    # When one of the two widgets is shipped
    first, _second = line_ids(order)
    ship_order(session, order, actor=users["sales"], quantities={first: "1"})
    session.commit()

    # Then the order stays open, is partially shipped, and the line remembers 1 shipped
    fresh = reload(session, order)
    assert (fresh.internal_status, fresh.shipping_status) == ("open", "partially_shipped")
    assert [li.shipped_quantity for li in fresh.line_items] == [D("1"), D("0")]

    # And the audit records a 'ship' entry for the order's shipping status by the sales user
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "Order", AuditEntry.entity_id == order.id)
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.action == "ship"
    assert entry.changes == {"shipping_status": ["not_shipped", "partially_shipped"]}
    assert entry.actor_id == users["sales"].id


def test_a_partial_shipment_then_the_rest_completes_the_order(session, order):
    # Given one widget shipped
    first, second = line_ids(order)
    ship_order(session, order, actor=None, quantities={first: "1"})
    session.commit()

    # When a second shipment sends the last widget and the gadget
    ship_order(session, reload(session, order), actor=None, quantities={first: "1", second: "1"})
    session.commit()

    # Then the order is shipped, with exactly the ordered quantities shipped
    fresh = reload(session, order)
    assert (fresh.internal_status, fresh.shipping_status) == ("shipped", "shipped")
    assert [li.shipped_quantity for li in fresh.line_items] == [D("2"), D("1")]
    assert order_actions(session, order)[-2:] == ["ship", "mark_shipped"]


def test_marking_a_partially_shipped_order_shipped_ships_only_what_remains(session, order):
    first, _second = line_ids(order)
    ship_order(session, order, actor=None, quantities={first: "1"})
    session.commit()
    ship_order(session, reload(session, order), actor=None)
    session.commit()
    fresh = reload(session, order)
    assert [li.shipped_quantity for li in fresh.line_items] == [D("2"), D("1")]
    assert fresh.shipping_status == "shipped"


def test_quantities_posted_with_spaces_or_zero_lines_are_accepted(session, order):
    first, second = line_ids(order)
    ship_order(session, order, actor=None, quantities={first: " 1 ", second: "0"})
    session.commit()
    assert [li.shipped_quantity for li in reload(session, order).line_items] == [D("1"), D("0")]


def test_a_fractional_weight_can_be_shipped_in_parts(session, catalog):
    # Given an order of 1.5 kg of a free-form product
    order = make_order(
        session,
        catalog,
        lines=[
            LineData(
                free_form_sku="SAND", free_form_name="Sand", unit="kg", unit_price="2.00", quantity="1.5"
            )
        ],
    )
    session.commit()
    (line,) = line_ids(order)

    # When 0.75 kg is shipped, then 0.75 kg
    ship_order(session, order, actor=None, quantities={line: "0.75"})
    session.commit()
    assert reload(session, order).shipping_status == "partially_shipped"
    ship_order(session, reload(session, order), actor=None, quantities={line: "0.75"})
    session.commit()

    # Then it is all shipped
    fresh = reload(session, order)
    assert fresh.line_items[0].shipped_quantity == D("1.5")
    assert (fresh.internal_status, fresh.shipping_status) == ("shipped", "shipped")


def test_editing_a_partial_shipment_down_to_what_was_shipped_leaves_a_consistent_status(session, order):
    # Given an order of 2 widgets and 1 gadget, with 1 widget and the gadget shipped
    from actions.editing import update_order
    from actions.reordering import order_data_from

    first, second = line_ids(order)
    ship_order(session, order, actor=None, quantities={first: "1", second: "1"})
    session.commit()
    fresh = reload(session, order)
    assert fresh.shipping_status == "partially_shipped"

    # When the widget line is edited down to the 1 already shipped
    form = order_data_from(fresh)
    for line, item in zip(form.lines, fresh.line_items, strict=True):
        line.id = item.id
    form.lines[0].quantity = "1"
    update_order(session, fresh, form, actor=None, expected_version=fresh.version)
    session.commit()

    # Then everything ordered has been shipped, and the order must not say "Partially Shipped"
    fresh = reload(session, order)
    assert [li.shipped_quantity for li in fresh.line_items] == [li.quantity for li in fresh.line_items]
    assert fresh.shipping_status == "shipped"


# ---- refusals ----


@pytest.mark.parametrize("quantity", ["3", "2.0001", "100", "1e3"])
def test_shipping_more_than_was_ordered_is_refused(session, order, quantity):
    first, _second = line_ids(order)
    error = refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: ship_order(session, o, actor=None, quantities={first: quantity}),
    )
    assert "WID-1" in error.message and "2 remaining" in error.message


def test_shipping_more_than_remains_after_a_partial_shipment_is_refused(session, order):
    first, _second = line_ids(order)
    ship_order(session, order, actor=None, quantities={first: "1"})
    session.commit()
    error = refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: ship_order(session, o, actor=None, quantities={first: "2"}),
    )
    assert "1 remaining" in error.message


@pytest.mark.parametrize(
    "quantity", ["-1", "-0.5", "abc", "1,5", "NaN", "sNaN", "Infinity", "-Infinity", "1/2", "0x1", "½"]
)
def test_a_negative_or_non_numeric_quantity_is_refused(session, order, quantity):
    first, second = line_ids(order)
    refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: ship_order(session, o, actor=None, quantities={first: quantity, second: "1"}),
    )


def test_a_valid_line_does_not_ship_when_another_line_is_refused(session, order):
    # When the gadget is valid but the widget's quantity is too large
    first, second = line_ids(order)
    refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: ship_order(session, o, actor=None, quantities={second: "1", first: "5"}),
    )


@pytest.mark.parametrize("posted", [(), ("0", "0"), ("", "  "), ("0.0000", "-0")])
def test_a_shipment_with_nothing_to_ship_is_refused(session, order, posted):
    chosen = dict(zip(line_ids(order), posted, strict=False))
    error = refused_and_unchanged(
        session, order, ValidationFailed, lambda o: ship_order(session, o, actor=None, quantities=chosen)
    )
    assert error.message == "Enter a quantity to ship for at least one line."


def test_a_line_of_another_order_is_refused(session, catalog, order):
    other = make_order(session, catalog)
    session.commit()
    foreign = other.line_items[0].id
    refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: ship_order(session, o, actor=None, quantities={foreign: "1"}),
    )
    assert reload(session, other).line_items[0].shipped_quantity == 0


def test_half_a_whole_unit_cannot_be_shipped(session, order):
    # Given a line of 2 items (a unit that only allows whole quantities, SPEC §2)
    first, _second = line_ids(order)
    # When half an item is shipped, then it is refused like half an item would be ordered
    refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: ship_order(session, o, actor=None, quantities={first: "0.5"}),
    )


def test_a_quantity_finer_than_the_stored_precision_is_refused(session, catalog):
    # Given an order of 1 kg
    order = make_order(
        session,
        catalog,
        lines=[
            LineData(free_form_sku="SAND", free_form_name="Sand", unit="kg", unit_price="2.00", quantity="1")
        ],
    )
    session.commit()
    (line,) = line_ids(order)
    # When 0.00001 kg is shipped (the database keeps 4 decimals), then it is refused rather
    # than stored as 0 under a "Partially Shipped" status
    refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: ship_order(session, o, actor=None, quantities={line: "0.00001"}),
    )


@pytest.mark.parametrize("status", ["cancelled", "shipped", "closed", "archived"])
def test_only_an_open_order_can_be_shipped(session, order, status):
    reach_status(session, order, status)
    session.commit()
    first, _second = line_ids(order)
    error = refused_and_unchanged(
        session,
        order,
        InvalidTransition,
        lambda o: ship_order(session, o, actor=None, quantities={first: "1"}),
    )
    assert f"because it is {status}" in error.message
    refused_and_unchanged(session, order, InvalidTransition, lambda o: ship_order(session, o, actor=None))


def test_a_viewer_cannot_ship(session, order, users):
    refused_and_unchanged(
        session, order, PermissionDenied, lambda o: ship_order(session, o, actor=users["viewer"])
    )


# ---- trackings with the shipment ----


def test_trackings_given_with_the_shipment_are_added_and_empty_rows_ignored(session, order):
    # When the order is shipped with a UPS tracking row and an empty form row
    ship_order(
        session,
        order,
        actor=None,
        trackings=[
            TrackingData(method=" UPS ", number=" 1Z999AA10123456784 "),
            TrackingData(method="", number=""),
        ],
    )
    session.commit()

    # Then one trimmed tracking row is stored with the shipped order
    fresh = reload(session, order)
    assert [(t.method, t.number) for t in fresh.shipping_trackings] == [("UPS", "1Z999AA10123456784")]
    assert fresh.shipping_trackings[0].created_at is not None
    assert fresh.internal_status == "shipped"


def test_trackings_given_with_a_partial_shipment_are_added_too(session, order):
    first, _second = line_ids(order)
    ship_order(
        session,
        order,
        actor=None,
        quantities={first: "1"},
        trackings=[TrackingData(method="FedEx", number="123456789012")],
    )
    session.commit()
    fresh = reload(session, order)
    assert [(t.method, t.number) for t in fresh.shipping_trackings] == [("FedEx", "123456789012")]
    assert fresh.shipping_status == "partially_shipped"


@pytest.mark.parametrize(
    ("method", "number"), [("UPS", ""), ("", "1Z999AA10123456784"), ("  ", "123"), ("UPS", "x" * 256)]
)
def test_a_bad_tracking_row_refuses_the_whole_shipment(session, order, method, number):
    error = refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: ship_order(session, o, actor=None, trackings=[TrackingData(method=method, number=number)]),
    )
    assert error.message.startswith("Tracking row 1:")


# ---- set_trackings: the Shipping Tracking dialog ----


def tracked(session, order: Order) -> list[tuple[str, str]]:
    return [(t.method, t.number) for t in reload(session, order).shipping_trackings]


def test_set_trackings_adds_edits_and_removes_rows(session, order, users):
    # Given an order with two tracking rows
    set_trackings(
        session,
        order,
        [TrackingData("UPS", "1Z999AA10123456784"), TrackingData("FedEx", "123456789012")],
        actor=users["sales"],
    )
    session.commit()
    ups, fedex = reload(session, order).shipping_trackings
    assert tracked(session, order) == [("UPS", "1Z999AA10123456784"), ("FedEx", "123456789012")]

    # When the UPS row is edited, the FedEx row left out and a DHL row added
    set_trackings(
        session,
        reload(session, order),
        [TrackingData("UPS Ground", "1Z999AA10123456785", id=ups.id), TrackingData("DHL", "1234567890")],
        actor=users["sales"],
    )
    session.commit()

    # Then the set is exactly the submitted one; the edited row kept its id
    fresh = reload(session, order)
    assert [(t.method, t.number) for t in fresh.shipping_trackings] == [
        ("UPS Ground", "1Z999AA10123456785"),
        ("DHL", "1234567890"),
    ]
    assert fresh.shipping_trackings[0].id == ups.id
    assert session.get(ShippingTracking, fedex.id) is None

    # And the audit recorded the edit and the removal
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.entity_type == "ShippingTracking").order_by(AuditEntry.id)
    ).all()
    assert actions.count("create") == 3 and "update" in actions and "delete" in actions


def test_set_trackings_with_no_rows_removes_them_all(session, order):
    set_trackings(session, order, [TrackingData("UPS", "1Z999AA10123456784")], actor=None)
    session.commit()
    set_trackings(session, reload(session, order), [TrackingData("", "")], actor=None)
    session.commit()
    assert tracked(session, order) == []


def test_set_trackings_is_allowed_on_a_shipped_order(session, order):
    apply_transition(session, order, "mark_shipped", actor=None)
    session.commit()
    set_trackings(
        session, reload(session, order), [TrackingData("USPS", "9400100000000000000000")], actor=None
    )
    session.commit()
    assert tracked(session, order) == [("USPS", "9400100000000000000000")]


@pytest.mark.parametrize("status", ["cancelled", "closed", "archived"])
def test_set_trackings_is_refused_for_a_read_only_order(session, order, status):
    # Given a tracked order that then left the open/shipped statuses
    set_trackings(session, order, [TrackingData("UPS", "1Z999AA10123456784")], actor=None)
    reach_status(session, order, status)
    session.commit()
    ups = reload(session, order).shipping_trackings[0]

    # When its trackings are replaced, edited or removed, then it is refused
    for rows in (
        [TrackingData("FedEx", "123456789012")],
        [TrackingData("UPS", "1Z999AA10123456785", id=ups.id)],
        [],
    ):
        error = refused_and_unchanged(
            session,
            order,
            InvalidTransition,
            lambda o, rows=rows: set_trackings(session, o, rows, actor=None),
        )
        assert f"because it is {status}" in error.message


@pytest.mark.parametrize(("method", "number"), [("UPS", ""), ("", "123"), (" ", " x ")])
def test_set_trackings_refuses_a_row_missing_its_method_or_number(session, order, method, number):
    set_trackings(session, order, [TrackingData("UPS", "1Z999AA10123456784")], actor=None)
    session.commit()
    error = refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: set_trackings(
            session, o, [TrackingData("FedEx", "123456789012"), TrackingData(method, number)], actor=None
        ),
    )
    assert error.message.startswith("Tracking row 2:")


def test_set_trackings_refuses_clearing_an_existing_row_to_empty(session, order):
    # Given a tracking row
    set_trackings(session, order, [TrackingData("UPS", "1Z999AA10123456784")], actor=None)
    session.commit()
    ups = reload(session, order).shipping_trackings[0]
    # When its method and number are blanked (rather than the row removed), then it is refused
    refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: set_trackings(session, o, [TrackingData("", "", id=ups.id)], actor=None),
    )


def test_set_trackings_refuses_a_row_of_another_order(session, catalog, order):
    other = make_order(session, catalog)
    set_trackings(session, other, [TrackingData("UPS", "1Z999AA10123456784")], actor=None)
    session.commit()
    foreign = reload(session, other).shipping_trackings[0].id
    refused_and_unchanged(
        session,
        order,
        ValidationFailed,
        lambda o: set_trackings(session, o, [TrackingData("UPS", "stolen", id=foreign)], actor=None),
    )
    assert tracked(session, other) == [("UPS", "1Z999AA10123456784")]


def test_a_viewer_cannot_change_trackings(session, order, users):
    refused_and_unchanged(
        session,
        order,
        PermissionDenied,
        lambda o: set_trackings(session, o, [TrackingData("UPS", "1")], actor=users["viewer"]),
    )
