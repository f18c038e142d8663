"""The part of an order's input that create and edit share, checked in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from actions.errors import ValidationFailed
from actions.order_input import (
    build_address,
    build_discount,
    customer_and_user,
    lookup,
    parse_date,
    parse_shipping_cost,
)
from models import (
    Customer,
    CustomerUser,
    OrderAddress,
    PaymentTerm,
    ShippingMethod,
    SpecialDiscount,
    User,
)
from models.orders import PAYMENT_METHODS


@dataclass
class CheckedHeader:
    """Everything of an order but its lines, validated and ready to set on an order."""

    customer: Customer
    customer_user: CustomerUser | None
    billing_address: OrderAddress | None
    shipping_address: OrderAddress | None
    shipping_method: ShippingMethod | None
    payment_term: PaymentTerm | None
    owner: User | None
    payment_method: str | None
    po_number: str | None
    ship_until: date | None
    customer_notes: str | None
    overridden_shipping_cost: Decimal | None
    special_discounts: list[SpecialDiscount]


def check_header(session: Session, data: Any, currency: str) -> CheckedHeader:
    """Validate the parts create and edit share: who, addresses, shipping, terms, discounts.

    `data` is an OrderData. Raises: ValidationFailed naming the field; nothing is changed.
    """
    customer, customer_user = customer_and_user(session, data.customer_id, data.customer_user_id)
    user_id = customer_user.id if customer_user else None
    addresses = {
        kind: build_address(session, given, kind=kind, customer_id=customer.id, customer_user_id=user_id)
        if given
        else None
        for kind, given in (("Billing", data.billing_address), ("Shipping", data.shipping_address))
    }
    method = lookup(session, ShippingMethod, data.shipping_method_id, "Shipping Method")
    term = lookup(session, PaymentTerm, data.payment_term_id, "Payment Term")
    owner = lookup(session, User, data.owner_id, "Owner")
    if data.payment_method is not None and data.payment_method not in PAYMENT_METHODS:
        raise ValidationFailed("Payment Method: the chosen value is not valid.", field="payment_method")
    return CheckedHeader(
        customer=customer,
        customer_user=customer_user,
        billing_address=addresses["Billing"],
        shipping_address=addresses["Shipping"],
        shipping_method=method,
        payment_term=term,
        owner=owner,
        payment_method=data.payment_method,
        po_number=(data.po_number or "").strip() or None,
        ship_until=parse_date(data.ship_until, label="Ship Until", field="ship_until"),
        customer_notes=(data.customer_notes or "").strip() or None,
        overridden_shipping_cost=parse_shipping_cost(data.overridden_shipping_cost, currency),
        special_discounts=[build_discount(d, currency) for d in data.special_discounts],
    )
