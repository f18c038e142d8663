"""Editing, deleting and re-ordering existing orders (SPEC §2, §2.2, §5, §8).

Every refusal is checked to leave the order exactly as it was: its columns, its lines, its
discounts and its address copies, both in the session and in the database.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from actions.editing import (
    STALE_MESSAGE,
    delete_order,
    update_order,
)
from actions.errors import (
    DiscountTooLarge,
    OrderNotEditable,
    PermissionDenied,
    StaleOrder,
    ValidationFailed,
)
from actions.order_input import AddressData, DiscountData, LineData
from actions.reordering import order_data_from, reorder
from actions.shipping import TrackingData, set_trackings, ship_order
from models import (
    AuditEntry,
    Customer,
    CustomerUser,
    Order,
    OrderAddress,
    OrderLineItem,
    SpecialDiscount,
)
from tests.factories import make_order, reach_status

D = Decimal


@pytest.fixture
def order(session, catalog, users):
    """The default open order (2 × WID-1 $10 + 1 × GAD-2 $25.50, total $60.05), committed."""
    made = make_order(session, catalog, actor=users["sales"])
    session.commit()
    return made


def _edit_data(order: Order):
    """What the edit form posts back unchanged: the order's data with its line ids."""
    data = order_data_from(order)
    for line, item in zip(data.lines, order.line_items, strict=True):
        line.id = item.id
    return data


def _columns(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def _state(order: Order) -> dict[str, Any]:
    """Everything an edit could change: the order's columns, lines, discounts, addresses."""
    return {
        "order": _columns(order),
        "lines": [_columns(li) for li in order.line_items],
        "discounts": [_columns(d) for d in order.special_discounts],
        "billing": _columns(order.billing_address),
        "shipping": _columns(order.shipping_address),
    }


def _assert_unchanged(session: Session, order: Order, before: dict[str, Any]) -> None:
    """Nothing changed in the session, and after a rollback nothing changed in the database."""
    assert _state(order) == before, "the refused edit changed the order in the session"
    assert not session.new, f"the refused edit added objects: {session.new}"
    session.rollback()
    assert _state(order) == before, "the refused edit changed the order in the database"


def _audit(session: Session, **where: Any) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        query = query.where(getattr(AuditEntry, key) == value)
    return list(session.scalars(query))


# --- update_order: what a successful edit does -----------------------------------------------


def test_changing_a_quantity_recomputes_and_stores_the_totals(session, order, users):
    # Given the default order with 2 widgets; when the widgets become 5
    data = _edit_data(order)
    data.lines[0].quantity = "5"
    update_order(session, order, data, actor=users["sales"], expected_version=order.version)
    session.commit()

    # Then the stored totals follow: 5 × 10 + 25.50 = 75.50, tax 7.55, + 10 shipping = 93.05
    session.expire_all()
    stored = session.get(Order, order.id)
    assert stored.line_items[0].quantity == D("5")
    assert stored.subtotal == D("75.50")
    assert stored.tax_total == D("7.55")
    assert stored.total == D("93.05")


def test_a_saved_edit_increments_the_version(session, order, users):
    # Given the order at its first version
    version = order.version
    data = _edit_data(order)
    data.po_number = "PO-2002"

    # When it is saved
    update_order(session, order, data, actor=users["sales"], expected_version=version)
    session.commit()

    # Then the version moved on, so forms opened before are now stale
    assert order.version == version + 1
    assert session.get(Order, order.id).po_number == "PO-2002"


def test_removing_a_line_deletes_it_and_writes_a_delete_audit_entry(session, order, users):
    # Given the order's gadget line
    gadget_line = order.line_items[1]
    gadget_line_id = gadget_line.id
    data = _edit_data(order)

    # When the edit keeps only the widget line
    data.lines = [data.lines[0]]
    update_order(session, order, data, actor=users["sales"], expected_version=order.version)
    session.commit()

    # Then the line is gone, the totals follow (20 + 2 tax + 10 shipping) ...
    assert session.get(OrderLineItem, gadget_line_id) is None
    assert [li.product_sku for li in order.line_items] == ["WID-1"]
    assert order.total == D("32.00")
    # ... and the audit log has a 'delete' entry with the line's snapshot, by the editor
    entries = _audit(session, entity_type="OrderLineItem", entity_id=gadget_line_id, action="delete")
    assert len(entries) == 1
    assert entries[0].order_id == order.id
    assert entries[0].actor_id == users["sales"].id
    assert entries[0].changes["product_sku"] == "GAD-2"
    assert entries[0].changes["quantity"] in ("1", "1.00")


def test_adding_a_line_stores_it_with_the_list_price(session, order, catalog, users):
    # Given the order's two lines; when a third line of 3 widgets is added
    data = _edit_data(order)
    data.lines = [*data.lines, LineData(product_id=catalog["widget"].id, quantity="3")]
    update_order(session, order, data, actor=users["sales"], expected_version=order.version)
    session.commit()

    # Then the order has three lines, the new one priced from the price list
    session.expire_all()
    stored = session.get(Order, order.id)
    assert [(li.product_sku, li.quantity, li.unit_price) for li in stored.line_items] == [
        ("WID-1", D("2"), D("10.00")),
        ("GAD-2", D("1"), D("25.50")),
        ("WID-1", D("3"), D("10.00")),
    ]
    assert stored.subtotal == D("75.50")
    # and the new line's creation is audited under the order
    assert _audit(session, entity_type="OrderLineItem", entity_id=stored.line_items[2].id, action="create")


def test_a_price_override_on_an_existing_line_is_kept(session, order, users):
    # Given the widget line at the list price of $10.00; when the price is set to $8.25
    widget_line_id = order.line_items[0].id
    data = _edit_data(order)
    data.lines[0].unit_price = "8.25"
    update_order(session, order, data, actor=users["sales"], expected_version=order.version)
    session.commit()

    # Then the overridden price is stored on the same line row and used in the totals
    session.expire_all()
    line = session.get(OrderLineItem, widget_line_id)
    assert line.unit_price == D("8.25")
    assert session.get(Order, order.id).subtotal == D("42.00")  # 2 × 8.25 + 25.50


def test_an_existing_line_keeps_its_row_and_its_shipped_quantity(session, order, users):
    # Given the widget line of which 1 has been shipped
    line_id = order.line_items[0].id
    ship_order(session, order, actor=users["sales"], quantities={line_id: "1"})
    session.commit()

    # When its quantity goes from 2 to 4
    data = _edit_data(order)
    data.lines[0].quantity = "4"
    update_order(session, order, data, actor=users["sales"], expected_version=order.version)
    session.commit()

    # Then it is the same row, still with 1 shipped
    session.expire_all()
    stored = session.get(OrderLineItem, line_id)
    assert stored.quantity == D("4")
    assert stored.shipped_quantity == D("1")


def test_a_manual_shipping_address_replaces_the_copy_with_a_new_one(session, order, users):
    # Given the order's shipping address copied from the address book
    old_copy_id = order.shipping_address.id

    # When the edit enters another address by hand
    data = _edit_data(order)
    data.shipping_address = AddressData(
        first_name="Dock",
        last_name="Worker",
        street="9 Harbour Rd",
        city="Portland",
        postal_code="97201",
        region="OR",
        country="us",
    )
    update_order(session, order, data, actor=users["sales"], expected_version=order.version)
    session.commit()

    # Then the order points at a new copy with the typed values, linked to no book entry
    session.expire_all()
    stored = session.get(Order, order.id)
    assert stored.shipping_address.id != old_copy_id
    assert stored.shipping_address.street == "9 Harbour Rd"
    assert stored.shipping_address.country == "US"
    assert stored.shipping_address.customer_address_id is None
    # and the old copy is not left behind as an orphan row
    assert session.get(OrderAddress, old_copy_id) is None


def test_an_unchanged_address_keeps_its_row(session, order, catalog, users):
    # Given the billing and shipping copies of the book address
    billing_id, shipping_id = order.billing_address.id, order.shipping_address.id

    # When the edit picks the same book entry again and changes something else
    data = _edit_data(order)
    data.billing_address = AddressData(customer_address_id=catalog["address"].id)
    data.customer_notes = "Ring twice"
    update_order(session, order, data, actor=users["sales"], expected_version=order.version)
    session.commit()

    # Then both copies are the same rows as before
    session.expire_all()
    stored = session.get(Order, order.id)
    assert stored.billing_address.id == billing_id
    assert stored.shipping_address.id == shipping_id
    assert stored.customer_notes == "Ring twice"


def test_an_edit_writes_field_changes_to_the_audit_log(session, order, users):
    # Given the order with PO-1001; when the PO number is changed
    data = _edit_data(order)
    data.po_number = "PO-7"
    update_order(session, order, data, actor=users["sales"], expected_version=order.version)
    session.commit()

    # Then an update entry records old → new, by the editor
    updates = _audit(session, entity_type="Order", entity_id=order.id, action="update")
    assert any(
        e.changes.get("po_number") == ["PO-1001", "PO-7"] and e.actor_id == users["sales"].id for e in updates
    )


# --- update_order: refusals change nothing ---------------------------------------------------


@pytest.mark.parametrize("status", ["cancelled", "closed", "shipped", "archived"])
def test_editing_an_order_that_is_not_open_is_refused(session, order, users, status):
    # Given an order that is no longer open
    reach_status(session, order, status, actor=users["manager"])
    session.commit()
    before = _state(order)
    data = _edit_data(order)
    data.po_number = "PO-CHANGED"

    # When it is edited; then it is refused, naming the status
    with pytest.raises(OrderNotEditable) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version)
    assert status in refused.value.message
    _assert_unchanged(session, order, before)


def test_saving_with_an_old_version_is_refused_with_the_stale_message(session, order, users):
    # Given the order at version v; when a form opened at v - 1 is saved
    before = _state(order)
    data = _edit_data(order)
    data.po_number = "PO-LATE"

    with pytest.raises(StaleOrder) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version - 1)

    # Then the message is exactly the spec's and nothing changed
    assert refused.value.message == "This order was changed by someone else since you opened it"
    assert STALE_MESSAGE == refused.value.message
    _assert_unchanged(session, order, before)


def test_a_concurrent_save_from_another_session_makes_the_second_save_stale(session, order, users, clean_db):
    # Given two people who opened the same order in two sessions
    with Session(clean_db) as first, Session(clean_db) as second:
        mine = first.get(Order, order.id)
        theirs = second.get(Order, order.id)
        version_loaded = theirs.version
        assert mine.version == version_loaded
        data_theirs = _edit_data(theirs)
        data_theirs.po_number = "PO-SECOND"

        # When the first saves and commits
        data_mine = _edit_data(mine)
        data_mine.po_number = "PO-FIRST"
        update_order(
            first,
            mine,
            data_mine,
            actor=first.get(type(users["sales"]), users["sales"].id),
            expected_version=version_loaded,
        )
        first.commit()

        # Then the second save, made with the version it loaded, is refused as stale
        with pytest.raises(StaleOrder) as refused:
            update_order(
                second,
                theirs,
                data_theirs,
                actor=second.get(type(users["sales"]), users["sales"].id),
                expected_version=version_loaded,
            )
        assert refused.value.message == STALE_MESSAGE
        second.rollback()

    # And the first save survives
    session.expire_all()
    stored = session.get(Order, order.id)
    assert stored.po_number == "PO-FIRST"
    assert stored.version == version_loaded + 1


def test_changing_the_currency_is_refused(session, order, users):
    before = _state(order)
    data = _edit_data(order)
    data.currency = "EUR"

    with pytest.raises(ValidationFailed) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version)

    assert refused.value.message == "Currency cannot be changed after the order is created."
    _assert_unchanged(session, order, before)


def test_a_customer_user_of_another_customer_is_refused(session, order, users):
    # Given a buyer of another customer
    other = CustomerUser(
        customer=Customer(name="Globex"), email="hank@globex.example", first_name="Hank", last_name="Scorpio"
    )
    session.add(other)
    session.commit()
    before = _state(order)
    data = _edit_data(order)
    data.customer_user_id = other.id

    with pytest.raises(ValidationFailed) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version)

    assert refused.value.message == ("Customer User: the customer user must belong to the customer.")
    _assert_unchanged(session, order, before)


def test_removing_every_line_is_refused(session, order, users):
    before = _state(order)
    data = _edit_data(order)
    data.lines = []

    with pytest.raises(ValidationFailed) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version)

    assert refused.value.message == "Please add at least one Line Item"
    _assert_unchanged(session, order, before)


def test_a_quantity_below_the_shipped_quantity_is_refused(session, order, users):
    # Given 2 widgets ordered of which 2 are shipped
    ship_order(session, order, actor=users["sales"], quantities={order.line_items[0].id: "2"})
    session.commit()
    before = _state(order)

    # When the widget quantity is lowered to 1
    data = _edit_data(order)
    data.lines[0].quantity = "1"
    with pytest.raises(ValidationFailed) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version)

    # Then it is refused, saying how many were shipped
    assert refused.value.message == ("Line 1: the quantity cannot be less than the 2 already shipped.")
    _assert_unchanged(session, order, before)


def test_removing_a_shipped_line_is_refused(session, order, users):
    # Given the gadget line has been shipped
    ship_order(session, order, actor=users["sales"], quantities={order.line_items[1].id: "1"})
    session.commit()
    before = _state(order)

    # When the edit drops it
    data = _edit_data(order)
    data.lines = [data.lines[0]]
    with pytest.raises(ValidationFailed) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version)

    assert refused.value.message == "Line GAD-2 has been shipped and cannot be removed."
    _assert_unchanged(session, order, before)


def test_a_line_id_of_another_order_is_refused(session, order, catalog, users):
    # Given another order and one of its lines
    other = make_order(session, catalog, actor=users["sales"])
    session.commit()
    foreign_line = other.line_items[0]
    before, before_other = _state(order), _state(other)

    # When the edit of the first order names that line
    data = _edit_data(order)
    data.lines[0].id = foreign_line.id
    with pytest.raises(ValidationFailed) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version)

    # Then it is refused and neither order changed
    assert refused.value.message == "Line 1: this line is not on the order."
    _assert_unchanged(session, order, before)
    assert _state(other) == before_other


def test_discounts_exceeding_the_subtotal_are_refused(session, order, users):
    # Given a subtotal of $45.50; when discounts of $40 + 20% (= $9.10) are added
    before = _state(order)
    data = _edit_data(order)
    data.special_discounts = [
        DiscountData(type="amount", value="40.00"),
        DiscountData(type="percent", value="20"),
    ]

    with pytest.raises(DiscountTooLarge) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version)

    assert refused.value.message == "The sum of all discounts cannot exceed the order subtotal"
    _assert_unchanged(session, order, before)


def test_a_viewer_cannot_edit_an_order(session, order, users):
    before = _state(order)
    data = _edit_data(order)
    data.po_number = "PO-VIEWER"

    with pytest.raises(PermissionDenied):
        update_order(session, order, data, actor=users["viewer"], expected_version=order.version)

    _assert_unchanged(session, order, before)


# --- delete_order ----------------------------------------------------------------------------


def test_deleting_an_order_keeps_snapshots_of_it_and_its_lines_in_the_audit(session, order, users):
    # Given the order with its two lines and a tracking
    set_trackings(session, order, [TrackingData("UPS", "1Z999")], actor=users["sales"])
    session.commit()
    order_id, number = order.id, order.identifier
    line_ids = [li.id for li in order.line_items]

    # When a manager deletes it
    delete_order(session, order, actor=users["manager"])
    session.commit()

    # Then the order, its lines and address copies are gone ...
    assert session.get(Order, order_id) is None
    assert session.scalars(select(OrderLineItem).where(OrderLineItem.order_id == order_id)).all() == []
    assert session.scalars(select(OrderAddress)).all() == []
    # ... and the audit log kept what was deleted, attributed to the manager
    (order_entry,) = _audit(session, entity_type="Order", entity_id=order_id, action="delete")
    assert order_entry.actor_id == users["manager"].id
    assert order_entry.changes["identifier"] == number
    assert order_entry.changes["total"] == "60.05"
    assert order_entry.changes["po_number"] == "PO-1001"
    line_entries = _audit(session, entity_type="OrderLineItem", action="delete")
    assert sorted(e.entity_id for e in line_entries) == sorted(line_ids)
    assert {e.changes["product_sku"] for e in line_entries} == {"WID-1", "GAD-2"}
    assert all(e.order_id == order_id for e in line_entries)


@pytest.mark.parametrize("role", ["viewer", "sales"])
def test_deleting_an_order_without_delete_orders_is_refused(session, order, users, role):
    # Given a user whose role lacks delete_orders
    order_id = order.id

    # When they delete the order; then it is refused and the order is still there
    with pytest.raises(PermissionDenied):
        delete_order(session, order, actor=users[role])
    assert not session.deleted
    session.rollback()
    assert session.get(Order, order_id) is not None
    assert _audit(session, action="delete") == []


# --- reorder ---------------------------------------------------------------------------------


def test_reorder_creates_an_open_order_with_the_same_contents(session, catalog, users):
    # Given a shipped order with an overridden price, a free-form line, a discount, an
    # overridden shipping cost, a manual shipping address and a tracking
    original = make_order(
        session,
        catalog,
        actor=users["sales"],
        lines=[
            LineData(product_id=catalog["widget"].id, quantity="2", unit_price="8.00"),
            LineData(
                free_form_sku="CUST-9", free_form_name="Custom bracket", quantity="3", unit_price="4.50"
            ),
        ],
        shipping_address=AddressData(
            first_name="Dock",
            last_name="Worker",
            street="9 Harbour Rd",
            city="Portland",
            postal_code="97201",
            country="US",
        ),
        overridden_shipping_cost="7.00",
        special_discounts=[DiscountData(type="percent", value="10", description="Loyal")],
        customer_notes="Leave at the dock",
    )
    ship_order(session, original, actor=users["sales"], trackings=[TrackingData("UPS", "1Z1")])
    # No action records payments yet (a later capability), so the paid status is set directly.
    original.payment_status = "paid_in_full"
    session.commit()
    before = _state(original)

    # When it is re-ordered
    new = reorder(session, original, actor=users["manager"])
    session.commit()

    # Then the new order is open, not shipped, not paid, without trackings
    assert new.id != original.id and new.identifier != original.identifier
    assert (new.internal_status, new.shipping_status, new.payment_status) == (
        "open",
        "not_shipped",
        "pending",
    )
    assert new.shipping_trackings == []
    # with the same lines and prices, nothing shipped yet
    assert [
        (
            li.product_id,
            li.product_sku,
            li.product_name,
            li.free_form,
            li.quantity,
            li.unit_price,
            li.shipped_quantity,
        )
        for li in new.line_items
    ] == [
        (catalog["widget"].id, "WID-1", "Widget", False, D("2"), D("8.00"), D("0")),
        (None, "CUST-9", "Custom bracket", True, D("3"), D("4.50"), D("0")),
    ]
    # the same shipping and discounts, so the same totals
    assert new.shipping_method_id == original.shipping_method_id
    assert new.overridden_shipping_cost == D("7.00")
    assert [(d.type, d.value, d.description) for d in new.special_discounts] == [
        ("percent", D("10"), "Loyal")
    ]
    assert new.total == original.total
    assert (new.customer_id, new.customer_user_id, new.currency, new.customer_notes) == (
        original.customer_id,
        original.customer_user_id,
        "USD",
        "Leave at the dock",
    )
    # its own address copies with the same values and the same book links
    for copy, source in (
        (new.billing_address, original.billing_address),
        (new.shipping_address, original.shipping_address),
    ):
        assert copy.id != source.id
        assert copy.one_line() == source.one_line()
        assert copy.customer_address_id == source.customer_address_id
    assert new.billing_address.customer_address_id == catalog["address"].id
    # it points back at the original, and is owned by whoever re-ordered
    assert (new.source_type, new.source_id, new.source_identifier) == (
        "order",
        original.id,
        original.identifier,
    )
    assert new.owner_id == users["manager"].id
    # and the original is unchanged
    session.expire_all()
    assert _state(session.get(Order, original.id)) == before


def test_reorder_by_a_viewer_is_refused(session, order, users):
    with pytest.raises(PermissionDenied):
        reorder(session, order, actor=users["viewer"])
    session.rollback()
    assert session.scalars(select(Order)).all() == [order]


def test_reorder_keeps_the_book_link_of_a_customer_user_address(session, catalog, users):
    # Given an order whose billing address comes from the buyer's own address book
    from models import CustomerUserAddress

    entry = CustomerUserAddress(
        customer_user=catalog["buyer"],
        first_name="Bea",
        last_name="Buyer",
        street="2 Side St",
        city="Springfield",
        postal_code="12345",
        country="US",
    )
    session.add(entry)
    session.commit()
    original = make_order(
        session, catalog, actor=users["sales"], billing_address=AddressData(customer_user_address_id=entry.id)
    )
    session.commit()

    # When it is re-ordered
    new = reorder(session, original, actor=users["sales"])
    session.commit()

    # Then the copy remembers the same buyer address-book entry
    assert new.billing_address.customer_user_address_id == entry.id
    assert new.billing_address.street == "2 Side St"
    assert new.billing_address.id != original.billing_address.id


def test_special_discounts_survive_an_unchanged_edit(session, catalog, users):
    # Given an order with a $5 discount
    order = make_order(
        session,
        catalog,
        actor=users["sales"],
        special_discounts=[DiscountData(type="amount", value="5.00", description="Goodwill")],
    )
    session.commit()
    assert order.special_discounts_total == D("5.00")

    # When it is saved without changes
    update_order(session, order, _edit_data(order), actor=users["sales"], expected_version=order.version)
    session.commit()

    # Then the discount and totals are the same
    session.expire_all()
    stored = session.get(Order, order.id)
    assert [(d.type, d.value, d.amount) for d in stored.special_discounts] == [("amount", D("5"), D("5.00"))]
    assert stored.total == D("54.55")  # 45.50 - 5 + 10 + 4.05 tax
    assert session.scalars(select(SpecialDiscount)).all() == stored.special_discounts


@pytest.mark.parametrize(
    ("discount", "message"),
    [
        (
            DiscountData(type="percent", value="150"),
            "A percent discount must be greater than 0 and at most 100.",
        ),
        (DiscountData(type="amount", value="0"), "A discount amount must be greater than 0."),
    ],
    ids=["percent-over-100", "zero-amount"],
)
def test_an_invalid_discount_on_edit_is_refused_and_changes_nothing(session, order, users, discount, message):
    # Given the open order; when the edit adds a discount the totals refuse
    before = _state(order)
    data = _edit_data(order)
    data.special_discounts = [discount]

    with pytest.raises(ValidationFailed) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version)

    # Then the refusal names the problem and the order is as it was
    assert refused.value.message == message
    _assert_unchanged(session, order, before)


def test_a_negative_overridden_shipping_cost_is_refused_on_edit(session, order, users):
    # Given the open order (creation refuses a negative shipping cost; an edit must too)
    before = _state(order)
    data = _edit_data(order)
    data.overridden_shipping_cost = "-5.00"

    # When the edit sets it; then it is refused
    with pytest.raises(ValidationFailed) as refused:
        update_order(session, order, data, actor=users["sales"], expected_version=order.version)

    assert refused.value.message == "Shipping cost cannot be negative."
    _assert_unchanged(session, order, before)
