"""What a user may do with an order now: one answer (actions.capabilities) for every screen."""

from __future__ import annotations

from dataclasses import replace

import pytest

from actions.capabilities import grid_capabilities, order_capabilities
from actions.shipping import ship_order
from tests.factories import make_order, order_in_status


def _order_in(session, catalog, users, status):
    order = order_in_status(session, catalog, status, actor=users["admin"])
    session.commit()
    return order


@pytest.mark.parametrize(
    ("role", "status", "expected"),
    [
        ("manager", "open", {"edit", "delete", "reorder", "track", "add_activities"}),
        ("sales", "open", {"edit", "reorder", "track", "add_activities"}),
        ("viewer", "open", set()),
        ("manager", "shipped", {"delete", "reorder", "track", "add_activities"}),
        ("sales", "shipped", {"reorder", "track", "add_activities"}),
        ("manager", "closed", {"delete", "reorder", "add_activities"}),
        ("sales", "cancelled", {"reorder", "add_activities"}),
        ("viewer", "archived", set()),
    ],
)
def test_the_operations_offered_follow_the_role_and_the_status(
    session, catalog, users, role, status, expected
):
    can = order_capabilities(_order_in(session, catalog, users, status), users[role])
    offered = {
        name for name in ("edit", "delete", "reorder", "track", "add_activities") if getattr(can, name)
    }
    assert offered == expected
    assert can.discounts is can.edit and can.coupons is can.edit


@pytest.mark.parametrize(
    ("role", "status", "expected"),
    [
        ("manager", "open", ["cancel", "mark_shipped", "close"]),
        ("sales", "open", ["mark_shipped"]),
        ("viewer", "open", []),
        ("manager", "cancelled", ["close"]),
        ("manager", "shipped", ["close"]),
        ("manager", "closed", ["archive"]),
        ("sales", "closed", []),
        ("admin", "archived", []),
    ],
)
def test_the_transitions_offered_are_those_of_the_table_the_user_may_apply(
    session, catalog, users, role, status, expected
):
    can = order_capabilities(_order_in(session, catalog, users, status), users[role])
    assert [t.name for t in can.transitions] == expected


def test_a_partially_shipped_order_can_still_be_edited_and_tracked(session, catalog, users):
    order = make_order(session, catalog, actor=users["sales"])
    ship_order(session, order, actor=users["sales"], quantities={order.line_items[0].id: "1"})
    session.commit()
    can = order_capabilities(order, users["sales"])
    assert can.edit and can.track
    assert [t.name for t in can.transitions] == ["mark_shipped"]


def test_nobody_logged_in_may_do_anything(session, catalog, users):
    can = order_capabilities(_order_in(session, catalog, users, "open"), None)
    assert not (can.edit or can.delete or can.reorder or can.track or can.add_activities or can.transitions)
    assert not can.documents
    # a viewer may print, and nothing else of the grid's
    assert grid_capabilities(None) == replace(grid_capabilities(users["viewer"]), documents=False)


@pytest.mark.parametrize("role", ["admin", "manager", "sales", "viewer"])
def test_whoever_may_view_an_order_may_print_its_documents(session, catalog, users, role):
    order = _order_in(session, catalog, users, "archived")
    assert order_capabilities(order, users[role]).documents
    assert grid_capabilities(users[role]).documents


@pytest.mark.parametrize(
    ("role", "create", "order_form", "bulk"),
    [
        ("admin", True, True, ["cancel", "mark_shipped", "close", "archive", "delete"]),
        ("manager", True, True, ["cancel", "mark_shipped", "close", "archive", "delete"]),
        ("sales", True, True, ["mark_shipped"]),
        ("viewer", False, False, []),
    ],
)
def test_the_grid_offers_create_and_the_bulk_operations_of_the_role(users, role, create, order_form, bulk):
    grid = grid_capabilities(users[role])
    assert (grid.create, grid.order_form, [op.name for op in grid.bulk]) == (create, order_form, bulk)


@pytest.mark.parametrize(
    ("role", "status", "reasons"),
    [
        ("admin", "open", ()),
        ("sales", "open", ("Cancel and Close need a manager or an administrator.",)),
        (
            "viewer",
            "open",
            (
                "Cancel and Close need a manager or an administrator.",
                "Mark as Shipped needs a sales user, a manager or an administrator.",
            ),
        ),
        ("manager", "closed", ("Closed orders can only be archived.",)),
        (
            "sales",
            "closed",
            ("Closed orders can only be archived.", "Archive needs a manager or an administrator."),
        ),
        (
            "sales",
            "cancelled",
            ("Cancelled orders can only be closed.", "Close needs a manager or an administrator."),
        ),
        ("admin", "archived", ("Archived orders cannot be changed.",)),
    ],
)
def test_the_reasons_say_why_operations_are_not_offered_from_the_transition_table(
    session, catalog, users, role, status, reasons
):
    assert order_capabilities(_order_in(session, catalog, users, status), users[role]).reasons == reasons
