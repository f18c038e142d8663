"""Every scaffolded admin view × every role × every verb, checked against SPEC §8's table.

The expectations are written out here, independently of the views' own settings, and the
test fails if the panel has a view this table does not know: a new view must say who may do
what. (The order page's own POST views are covered by test_order_lifecycle,
test_order_discounts, test_order_activities and test_security's viewer and anonymous sweeps.)
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from flask_admin.contrib.sqla import ModelView

from actions.activities import EventData, add_event
from actions.permissions import ROLE_PERMISSIONS
from models import (
    AuditEntry,
    Coupon,
    Customer,
    CustomerUser,
    PaymentTerm,
    Product,
    Promotion,
    RequestForQuote,
    ShippingMethod,
    ShoppingList,
    TaxRule,
    db,
    utcnow,
)
from tests.factories import make_order

# view endpoint -> (to read, to create and edit, to delete); None: nobody may.
EXPECTED: dict[str, tuple[str, str | None, str | None]] = {
    "orders": ("view_orders", None, None),  # created, edited and deleted through its own pages
    "shopping_lists": ("view_orders", "create_orders", "delete_orders"),
    "rfqs": ("view_orders", "create_orders", "delete_orders"),
    "promotions": ("view_orders", "manage_promotions", "manage_promotions"),
    "coupons": ("view_orders", "manage_promotions", "manage_promotions"),
    "calendar_events": ("view_orders", None, None),
    "customers": ("view_orders", "manage_customers", "manage_customers"),
    "customer_users": ("view_orders", "manage_customers", "manage_customers"),
    "products": ("view_orders", "manage_catalog", "manage_catalog"),
    "payment_terms": ("view_orders", "manage_catalog", "manage_catalog"),
    "shipping_methods": ("view_orders", "manage_catalog", "manage_catalog"),
    "tax_rules": ("view_orders", "manage_catalog", "manage_catalog"),
    "users": ("manage_users", "manage_users", None),  # deactivated, never deleted
    "audit": ("view_audit", None, None),
}
ROLES = ("admin", "manager", "sales", "viewer")
# Lists whose rows are shown in full in the list itself (no details page).
WITHOUT_DETAILS = frozenset({"calendar_events"})


def _may(role: str, permission: str | None) -> bool:
    return permission is not None and permission in ROLE_PERMISSIONS[role]


def _records(catalog, users) -> dict[str, int]:
    """One record per view, to open, edit and delete."""
    order = make_order(db.session, catalog, actor=users["manager"])
    promotion = Promotion(name="Spring", kind="order_percent", value=Decimal("10"), active=True)
    coupon = Coupon(
        code="MATRIX",
        code_key="matrix",
        promotion=Promotion(name="Other", kind="order_percent", value=Decimal("5"), active=True),
    )
    shopping_list = ShoppingList(label="Restock", customer=catalog["customer"], currency="USD")
    rfq = RequestForQuote(customer=catalog["customer"], email="b@acme.example", status="open")
    # Records nothing refers to, so that deleting them can succeed.
    spare = {
        "customers": Customer(name="Spare Co"),
        "customer_users": CustomerUser(
            customer=catalog["customer"], email="spare@acme.example", first_name="S", last_name="Pare"
        ),
        "products": Product(sku="SPARE-1", name="Spare", unit="item"),
        "payment_terms": PaymentTerm(label="Net 90"),
        "shipping_methods": ShippingMethod(
            name="Spare Post", type="flat_per_order", handling_fee=Decimal("0")
        ),
        "tax_rules": TaxRule(country="FR", rate_percent=Decimal("20"), applies_to_shipping=True),
    }
    db.session.add_all([promotion, coupon, shopping_list, rfq, *spare.values()])
    start = utcnow() + timedelta(days=2)
    event = add_event(
        db.session, order, EventData(title="Call", starts_at=start, ends_at=start), actor=users["sales"]
    )
    db.session.commit()
    return {
        "orders": order.id,
        "shopping_lists": shopping_list.id,
        "rfqs": rfq.id,
        "promotions": promotion.id,
        "coupons": coupon.id,
        "calendar_events": event.id,
        **{view: record.id for view, record in spare.items()},
        "users": users["viewer"].id,
        "audit": db.session.query(AuditEntry.id).first()[0],
    }


def test_the_table_names_every_scaffolded_view_of_the_panel(app):
    views = {v.endpoint for v in app.extensions["admin"][0]._views if isinstance(v, ModelView)}
    assert views == set(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_the_permission_table_says(app, login_as, catalog, users, role):
    ids = _records(catalog, users)
    models = {v.endpoint: v.model for v in app.extensions["admin"][0]._views if isinstance(v, ModelView)}
    client = login_as(role)
    for view, (read, manage, delete) in EXPECTED.items():
        record = ids[view]
        may_read, may_manage = _may(role, read), _may(role, read) and _may(role, manage)
        details = client.get(f"/admin/{view}/details/?id={record}").status_code == 200
        assert (client.get(f"/admin/{view}/").status_code == 200) is may_read, (view, "list")
        assert details is (may_read and view not in WITHOUT_DETAILS), (view, "details")
        if view == "orders":
            continue
        assert (client.get(f"/admin/{view}/new/").status_code == 200) is may_manage, (view, "create")
        assert (client.get(f"/admin/{view}/edit/?id={record}").status_code == 200) is may_manage, (
            view,
            "edit",
        )
        # Delete: the row goes only for a role that may delete
        client.post(f"/admin/{view}/delete/", data={"id": record})
        db.session.expire_all()
        gone = db.session.get(models[view], record) is None
        assert gone is (may_manage and _may(role, delete)), (view, "delete")
