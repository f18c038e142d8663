"""Creating orders from plain data: the create form, the seed and later flows call this."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from actions.audit import set_actor
from actions.errors import ValidationFailed
from actions.order_input import (
    AddressData,
    DiscountData,
    LineData,
    build_address,
    build_discount,
    build_line,
    check_currency,
    customer_and_user,
    lookup,
    parse_date,
    parse_shipping_cost,
)
from actions.pricing import estimate_shipping_cost, find_price, recalculate
from models import Customer, Order, PaymentTerm, Product, ShippingMethod, User
from models.orders import PAYMENT_METHODS


@dataclass
class OrderData:
    """Everything a new order is made from; ids refer to existing records."""

    customer_id: int | None
    currency: str
    lines: Sequence[LineData]
    customer_user_id: int | None = None
    billing_address: AddressData | None = None
    shipping_address: AddressData | None = None
    shipping_method_id: int | None = None
    overridden_shipping_cost: Decimal | str | None = None
    special_discounts: Sequence[DiscountData] = field(default_factory=list)
    po_number: str | None = None
    ship_until: date | str | None = None
    customer_notes: str | None = None
    payment_term_id: int | None = None
    payment_method: str | None = None
    owner_id: int | None = None
    source_type: str | None = None
    source_id: int | None = None
    source_identifier: str | None = None


def with_form_defaults(session: Session, data: OrderData) -> OrderData:
    """Fill what a person expects to see pre-filled: list prices and the customer's payment term.

    Lines without a price get the price list's (left empty when there is none, so the form
    shows that no matching price was found); nothing is validated here.
    """
    for line in data.lines:
        if line.unit_price is None and line.product_id is not None:
            product = session.get(Product, line.product_id)
            if product is not None:
                try:
                    line.unit_price = find_price(session, product, data.currency,
                                                 line.unit or product.unit)
                except ValidationFailed:
                    line.unit_price = None
    if data.payment_term_id is None and data.customer_id is not None:
        customer = session.get(Customer, data.customer_id)
        data.payment_term_id = customer.payment_term_id if customer else None
    return data


def create_order(session: Session, data: OrderData, *, actor: User | None) -> Order:
    """Validate the data, create an open order with its lines and addresses, and store its totals.

    Raises: ValidationFailed (naming the field) or DiscountTooLarge; nothing is added then.
    """
    currency = check_currency(data.currency)
    customer, customer_user = customer_and_user(session, data.customer_id,
                                               data.customer_user_id)
    if not data.lines:
        raise ValidationFailed("Please add at least one Line Item", field="line_items")
    lines = [build_line(session, line, currency, i) for i, line in enumerate(data.lines, 1)]
    user_id = customer_user.id if customer_user else None
    billing = (build_address(session, data.billing_address, kind="Billing",
                             customer_id=customer.id, customer_user_id=user_id)
               if data.billing_address else None)
    shipping = (build_address(session, data.shipping_address, kind="Shipping",
                              customer_id=customer.id, customer_user_id=user_id)
                if data.shipping_address else None)
    method = lookup(session, ShippingMethod, data.shipping_method_id, "Shipping Method")
    term = lookup(session, PaymentTerm, data.payment_term_id, "Payment Term")
    owner = lookup(session, User, data.owner_id, "Owner") or actor
    if data.payment_method is not None and data.payment_method not in PAYMENT_METHODS:
        raise ValidationFailed("Payment Method: the chosen value is not valid.",
                               field="payment_method")
    ship_until = parse_date(data.ship_until, label="Ship Until", field="ship_until")
    overridden = parse_shipping_cost(data.overridden_shipping_cost, currency)
    discounts = [build_discount(d, currency) for d in data.special_discounts]

    order = Order(
        customer=customer,
        customer_user=customer_user,
        currency=currency,
        owner=owner,
        created_by=actor,
        po_number=(data.po_number or "").strip() or None,
        ship_until=ship_until,
        customer_notes=(data.customer_notes or "").strip() or None,
        payment_term=term if term is not None else customer.payment_term,
        payment_method=data.payment_method,
        billing_address=billing,
        shipping_address=shipping,
        shipping_method=method,
        estimated_shipping_cost=(estimate_shipping_cost(method, currency,
                                                        [li.quantity for li in lines])
                                 if isinstance(method, ShippingMethod) else None),
        overridden_shipping_cost=overridden,
        line_items=lines,
        special_discounts=discounts,
        source_type=data.source_type,
        source_id=data.source_id,
        source_identifier=data.source_identifier,
    )
    recalculate(session, order)  # raises before the order joins the session
    if actor is not None:
        set_actor(session, actor.id)
    session.add(order)
    session.flush()  # the numbering listener (actions/audit.py) gives it its SO- number
    if order.identifier is None:
        raise RuntimeError("install_audit_listeners() was not called for this session class")
    return order
