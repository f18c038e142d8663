"""An order's contents as creation input again: the Edit form and the API start from it, and
Re-order makes a new order of it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from actions.creation import OrderData, create_order
from actions.order_input import ADDRESS_FIELDS, AddressData, DiscountData, LineData
from models import Order, OrderAddress, User


def order_data_from(order: Order) -> OrderData:
    """The order's contents as creation input: lines, addresses, shipping, discounts."""

    def address(a: OrderAddress | None) -> AddressData | None:
        if a is None:
            return None
        # Only the text fields are copied (empty rather than None); the book ids stay unset.
        values: dict[str, Any] = {f: getattr(a, f) or "" for f in ADDRESS_FIELDS}
        return AddressData(**values)

    return OrderData(
        customer_id=order.customer_id,
        customer_user_id=order.customer_user_id,
        currency=order.currency,
        lines=[
            LineData(
                quantity=li.quantity,
                product_id=li.product_id,
                free_form_sku=li.product_sku if li.free_form else None,
                free_form_name=li.product_name if li.free_form else None,
                unit=li.unit,
                unit_price=li.unit_price,
                ship_by=li.ship_by,
                notes=li.notes,
            )
            for li in order.line_items
        ],
        billing_address=address(order.billing_address),
        shipping_address=address(order.shipping_address),
        shipping_method_id=order.shipping_method_id,
        overridden_shipping_cost=order.overridden_shipping_cost,
        special_discounts=[
            DiscountData(type=d.type, value=d.value, description=d.description)
            for d in order.special_discounts
        ],
        po_number=order.po_number,
        ship_until=order.ship_until,
        customer_notes=order.customer_notes,
        payment_term_id=order.payment_term_id,
        payment_method=order.payment_method,
        promotion_states={p.id: "active" if p.active else "inactive" for p in order.applied_promotions},
    )


def reorder(session: Session, order: Order, *, actor: User | None) -> Order:
    """Create a new open order with this order's contents (not its trackings or statuses).

    Raises: PermissionDenied without create_orders; ValidationFailed if a product is gone.
    """
    data = order_data_from(order)
    data.source_type, data.source_id, data.source_identifier = "order", order.id, order.identifier
    new = create_order(session, data, actor=actor)
    for copy, original in (
        (new.billing_address, order.billing_address),
        (new.shipping_address, order.shipping_address),
    ):
        if copy is not None and original is not None:
            copy.customer_address_id = original.customer_address_id
            copy.customer_user_address_id = original.customer_user_address_id
    session.flush()
    return new
