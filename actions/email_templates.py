"""Email templates for orders, filled from the order's own fields (plain text, never HTML)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from actions.errors import ValidationFailed
from actions.money import format_money
from actions.pricing import order_totals
from models import Order, OrderAddress, OrderLineItem, User

TEMPLATES = {"order_confirmation": "Order confirmation"}


def _address(address: OrderAddress | None) -> list[str]:
    if address is None:
        return ["  N/A"]
    name = " ".join(p for p in (address.first_name, address.last_name) if p)
    lines = [
        name,
        address.organization,
        address.street,
        address.street2,
        f"{address.postal_code or ''} {address.city or ''}".strip(),
        address.region,
        address.country,
        address.phone,
    ]
    return [f"  {line}" for line in lines if line]


def _quantity(order_line: OrderLineItem) -> str:
    return format(order_line.quantity.normalize(), "f")


def order_confirmation(session: Session, order: Order, *, sender: User | None = None) -> tuple[str, str]:
    """Return the subject and body of the 'Order confirmation' email for an order."""
    totals = order_totals(session, order)
    currency = order.currency
    greeting = order.customer_user.full_name if order.customer_user is not None else order.customer.name
    body = [
        f"Dear {greeting},",
        "",
        f"Thank you for your order {order.identifier}. Here is what we have recorded.",
        "",
        f"Order number: {order.identifier}",
    ]
    if order.po_number:
        body.append(f"PO number: {order.po_number}")
    body.append(f"Order date: {order.created_at:%Y-%m-%d}")
    if order.ship_until:
        body.append(f"Do not ship later than: {order.ship_until:%Y-%m-%d}")
    body += ["", "Items:"]
    for line, line_total in zip(order.line_items, totals.line_totals, strict=False):
        body.append(
            f"  {line.product_sku or '-'}  {line.product_name}: {_quantity(line)} "
            f"{line.unit} x {format_money(line.unit_price, currency)} = "
            f"{format_money(line_total, currency)}"
        )
    body.append("")
    for row in totals.rows:
        sign = "-" if row.sign < 0 else ""
        body.append(f"{row.label}: {sign}{format_money(row.amount, currency)}")
    body += [
        "",
        "Billing address:",
        *_address(order.billing_address),
        "",
        "Shipping address:",
        *_address(order.shipping_address),
        "",
        "Kind regards,",
        sender.full_name if sender is not None else "OrderDesk",
    ]
    return f"Order confirmation: {order.identifier}", "\n".join(body) + "\n"


def render_email_template(
    session: Session, name: str, order: Order, *, sender: User | None = None
) -> tuple[str, str]:
    """Fill a named template for an order. Raises: ValidationFailed for an unknown template."""
    if name == "order_confirmation":
        return order_confirmation(session, order, sender=sender)
    raise ValidationFailed("There is no such email template.", field="template")
