"""Creating orders from plain data: the create form, the seed and later flows call this."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.audit import set_actor
from actions.errors import AlreadySubmitted, ValidationFailed
from actions.order_header import check_header
from actions.order_input import (
    AddressData,
    DiscountData,
    LineData,
    build_line,
    check_currency,
    customer_and_user,
)
from actions.permissions import require_permission
from actions.pricing import estimate_shipping_cost, find_price, recalculate
from actions.promotions import apply_automatic_promotions
from models import Customer, Order, Product, User


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
    # Edit only: applied promotion id -> 'active', 'inactive' or 'remove' (coupons only).
    promotion_states: dict[int, str] = field(default_factory=dict)
    # Create only: the form's one-time key (see Order.submission_key).
    submission_key: str | None = None


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
                    line.unit_price = find_price(session, product, data.currency, line.unit or product.unit)
                except ValidationFailed:
                    line.unit_price = None
    if data.payment_term_id is None and data.customer_id is not None:
        customer = session.get(Customer, data.customer_id)
        data.payment_term_id = customer.payment_term_id if customer else None
    return data


def _check_not_submitted(session: Session, key: str | None) -> None:
    """Raises: AlreadySubmitted when an order was already made from the form with this key."""
    if not key:
        return
    made = session.execute(select(Order.id, Order.identifier).where(Order.submission_key == key)).first()
    if made is not None:
        raise AlreadySubmitted(made.id, made.identifier or str(made.id))


def create_order(session: Session, data: OrderData, *, actor: User | None) -> Order:
    """Validate the data, create an open order with its lines and addresses, and store its totals.

    Raises: PermissionDenied without create_orders; AlreadySubmitted when an order was made
    with the same submission key; ValidationFailed (naming the field) or DiscountTooLarge;
    nothing is added then.
    """
    if actor is not None:
        require_permission(actor, "create_orders")
    _check_not_submitted(session, data.submission_key)
    order = build_order(session, data, actor=actor)
    if actor is not None:
        set_actor(session, actor.id)
    order.submission_key = data.submission_key
    session.add(order)
    # The key is unique: the same form sent twice at the same instant fails this flush.
    session.flush()  # the numbering listener (actions/audit.py) gives it its SO- number
    if order.identifier is None:
        raise RuntimeError("install_audit_listeners() was not called for this session class")
    return order


def build_order(session: Session, data: OrderData, *, actor: User | None) -> Order:
    """Validate the data and build the order with its totals stored, not added to the session.

    Create Order saves what this builds and the totals preview shows it, so they agree; the
    caller checks the create_orders permission. `actor` becomes the owner unless one is chosen.
    Raises: ValidationFailed (naming the field) or DiscountTooLarge.
    """
    currency = check_currency(data.currency)
    customer_and_user(session, data.customer_id, data.customer_user_id)  # first, as the form
    if not data.lines:
        raise ValidationFailed("Please add at least one Line Item", field="line_items")
    lines = [build_line(session, line, currency, i) for i, line in enumerate(data.lines, 1)]
    header = check_header(session, data, currency)
    method = header.shipping_method
    order = Order(
        customer=header.customer,
        customer_user=header.customer_user,
        currency=currency,
        owner=header.owner or actor,
        created_by=actor,
        po_number=header.po_number,
        ship_until=header.ship_until,
        customer_notes=header.customer_notes,
        payment_term=header.payment_term or header.customer.payment_term,
        payment_method=header.payment_method,
        billing_address=header.billing_address,
        shipping_address=header.shipping_address,
        shipping_method=method,
        estimated_shipping_cost=(
            estimate_shipping_cost(method, currency, [li.quantity for li in lines])
            if method is not None
            else None
        ),
        overridden_shipping_cost=header.overridden_shipping_cost,
        line_items=lines,
        special_discounts=header.special_discounts,
        source_type=data.source_type,
        source_id=data.source_id,
        source_identifier=data.source_identifier,
    )
    apply_automatic_promotions(session, order)  # those whose conditions hold (SPEC §7)
    recalculate(session, order)  # raises before the order joins the session
    return order
