"""Jinja filters: the one money formatter and labels for status codes."""

from __future__ import annotations

from decimal import Decimal

from flask import Flask

from actions.money import format_money
from actions.tracking_links import tracking_url
from models.orders import STATUS_LABELS


def status_label(code: str | None) -> str:
    if not code:
        return ""
    return STATUS_LABELS.get(code, code.replace("_", " ").title())


# Labels for the audit trail's field names; anything unlisted is shown prettified.
FIELD_LABELS = {
    "identifier": "Order Number",
    "po_number": "PO Number",
    "customer_id": "Customer",
    "customer_user_id": "Customer User",
    "owner_id": "Owner",
    "created_by_id": "Created By",
    "internal_status": "Internal Status",
    "shipping_status": "Shipping Status",
    "payment_status": "Payment Status",
    "ship_until": "Ship Until",
    "customer_notes": "Customer Notes",
    "special_discounts_total": "Special Discounts",
    "product_sku": "SKU",
    "unit_price": "Price",
}


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field.removesuffix("_id").replace("_", " ").title())


def audit_value(field: str, value: object) -> str:
    """Show an audited value the way the order page shows it: labels, not codes."""
    if value is None or value == "":
        return "—"
    if field.endswith("_status") or field == "payment_method":
        return status_label(str(value))
    return str(value)


ACTION_LABELS = {
    "create": "Create",
    "update": "Update",
    "delete": "Delete",
    "ship": "Ship",
    "mark_shipped": "Mark as Shipped",
    "cancel": "Cancel",
    "close": "Close",
    "archive": "Archive",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action.replace("_", " ").title())


ENTITY_LABELS = {
    "OrderLineItem": "Line Item",
    "SpecialDiscount": "Special Discount",
    "ShippingTracking": "Shipping Tracking",
    "AppliedPromotion": "Promotion",
}
RECORD_ACTIONS = frozenset({"create", "update", "delete"})


def change_title(action: str, entity_type: str, entity_id: int) -> str:
    """ "Update Line Item #14", "Create Order", or just the transition: "Mark as Shipped"."""
    if action not in RECORD_ACTIONS:
        return action_label(action)
    title = f"{action_label(action)} {ENTITY_LABELS.get(entity_type, entity_type)}"
    return title if entity_type == "Order" else f"{title} #{entity_id}"


def money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency)


def init_formatting(app: Flask) -> None:
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["status_label"] = status_label
    app.jinja_env.filters["field_label"] = field_label
    app.jinja_env.globals["audit_value"] = audit_value
    app.jinja_env.globals["action_label"] = action_label
    app.jinja_env.globals["change_title"] = change_title
    app.jinja_env.globals["tracking_url"] = tracking_url
