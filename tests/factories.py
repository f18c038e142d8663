"""Small builders of test data, all going through actions/ like the product does.

Orders reach their statuses through the lifecycle actions, never by assigning a status, so
each one carries the audit trail and shipped quantities a real order in that state has.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any
from unittest.mock import patch

from sqlalchemy.orm import Session

from actions.creation import OrderData, create_order
from actions.lifecycle import apply_transition
from actions.order_input import AddressData, LineData
from actions.shipping import ship_order
from actions.users import create_user, hash_password
from models import (
    Customer,
    CustomerAddress,
    CustomerUser,
    Order,
    PaymentTerm,
    Product,
    ProductPrice,
    RequestForQuote,
    RequestProduct,
    RequestProductItem,
    ShippingMethod,
    ShippingMethodPrice,
    ShoppingList,
    ShoppingListLine,
    TaxRule,
    User,
)

PASSWORD = "correct-horse-42"


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def make_users(session: Session) -> dict[str, User]:
    """One user per role: admin@example.com, manager@…, sales@…, viewer@…, made by create_user.

    They share PASSWORD, so its hash is computed once per test process and reused: argon2 at
    full strength costs about 50 ms a hash, and most tests make these four users."""
    with patch("actions.users.hash_password", lambda _password: _password_hash()):
        return {
            role: create_user(
                session, f"{role}@example.com", full_name=f"{role.title()} User", role=role, password=PASSWORD
            )
            for role in ("admin", "manager", "sales", "viewer")
        }


def make_catalog(session: Session) -> dict[str, Any]:
    """A customer with a user and a default address, two products, shipping, a tax rule."""
    term = PaymentTerm(label="Net 30")
    customer = Customer(name="Acme Industrial", payment_term=term)
    buyer = CustomerUser(customer=customer, email="buyer@acme.example", first_name="Bea", last_name="Buyer")
    address = CustomerAddress(
        customer=customer,
        first_name="Bea",
        last_name="Buyer",
        street="1 Main St",
        city="Springfield",
        postal_code="12345",
        region="IL",
        country="US",
        is_default_billing=True,
        is_default_shipping=True,
    )
    widget = Product(
        sku="WID-1",
        name="Widget",
        unit="item",
        prices=[
            ProductPrice(currency="USD", unit="item", value=Decimal("10.00")),
            ProductPrice(currency="EUR", unit="item", value=Decimal("9.00")),
        ],
    )
    gadget = Product(
        sku="GAD-2",
        name="Gadget",
        unit="item",
        prices=[ProductPrice(currency="USD", unit="item", value=Decimal("25.50"))],
    )
    flat = ShippingMethod(
        name="Flat Rate",
        type="flat_per_order",
        carrier="UPS",
        handling_fee=Decimal("0"),
        prices=[ShippingMethodPrice(currency="USD", price=Decimal("10.00"))],
    )
    tax = TaxRule(country="US", region=None, rate_percent=Decimal("10"), applies_to_shipping=False)
    session.add_all([term, customer, buyer, address, widget, gadget, flat, tax])
    session.flush()
    return {
        "customer": customer,
        "buyer": buyer,
        "address": address,
        "widget": widget,
        "gadget": gadget,
        "shipping": flat,
        "tax": tax,
        "term": term,
    }


def make_order(
    session: Session, catalog: dict[str, Any], *, actor: User | None = None, **overrides: Any
) -> Order:
    """An open USD order: 2 widgets + 1 gadget, flat-rate shipping, default address."""
    data = OrderData(
        customer_id=catalog["customer"].id,
        customer_user_id=catalog["buyer"].id,
        currency="USD",
        lines=[
            LineData(product_id=catalog["widget"].id, quantity="2"),
            LineData(product_id=catalog["gadget"].id, quantity="1"),
        ],
        billing_address=AddressData(customer_address_id=catalog["address"].id),
        shipping_address=AddressData(customer_address_id=catalog["address"].id),
        shipping_method_id=catalog["shipping"].id,
        po_number="PO-1001",
        ship_until=date(2030, 1, 31),
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return create_order(session, data, actor=actor)


# The transitions that take an open order to each internal status (SPEC §2.2).
PATHS: dict[str, tuple[str, ...]] = {
    "open": (),
    "cancelled": ("cancel",),
    "shipped": ("mark_shipped",),
    "closed": ("close",),
    "archived": ("close", "archive"),
}


def reach_status(session: Session, order: Order, status: str, *, actor: User | None = None) -> Order:
    """Walk an open order to `status` through the actions a person would use.

    `status` is an internal status, or "partially_shipped": one unit of the first line shipped.
    """
    if status == "partially_shipped":
        ship_order(session, order, actor=actor, quantities={order.line_items[0].id: "1"})
        assert order.shipping_status == "partially_shipped", "the first line has a single unit"
        return order
    for name in PATHS[status]:
        apply_transition(session, order, name, actor=actor)
    return order


def order_in_status(
    session: Session, catalog: dict[str, Any], status: str, *, actor: User | None = None, **overrides: Any
) -> Order:
    """make_order's order, created by `actor` and taken by them to `status` (see reach_status)."""
    return reach_status(session, make_order(session, catalog, actor=actor, **overrides), status, actor=actor)


def make_shopping_list(
    session: Session, catalog: dict[str, Any], label: str = "Spring restock"
) -> ShoppingList:
    """A shopping list of the catalog's buyer: three widgets, in USD (flushed)."""
    shopping_list = ShoppingList(
        label=label,
        customer=catalog["customer"],
        customer_user=catalog["buyer"],
        currency="USD",
        lines=[ShoppingListLine(product=catalog["widget"], quantity=Decimal("3"), unit="item")],
    )
    session.add(shopping_list)
    session.flush()
    return shopping_list


def make_rfq(session: Session, catalog: dict[str, Any]) -> RequestForQuote:
    """An open request for quote of the catalog's buyer: five gadgets at a target of 20 USD
    (flushed)."""
    rfq = RequestForQuote(
        customer=catalog["customer"],
        customer_user=catalog["buyer"],
        status="open",
        ship_until=date(2031, 1, 1),
        requested_products=[
            RequestProduct(
                product=catalog["gadget"],
                items=[
                    RequestProductItem(
                        quantity=Decimal("5"), unit="item", target_price=Decimal("20"), currency="USD"
                    )
                ],
            )
        ],
    )
    session.add(rfq)
    session.flush()
    return rfq
