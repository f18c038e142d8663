"""How recorded changes read to a person: labels for status codes, fields and audit actions.

The Change History, the Activity timeline and the audit log show an order's audit entries
through these; transition names are labelled from the lifecycle table itself.
"""

from __future__ import annotations

from actions.lifecycle import TRANSITIONS
from actions.shipping import PARTIAL_SHIPMENT
from models.orders import STATUS_LABELS

# Audit actions that are not transitions.
RECORD_ACTION_LABELS = {
    "create": "Create",
    "update": "Update",
    "delete": "Delete",
    PARTIAL_SHIPMENT: "Partial Shipment",
}
RECORD_ACTIONS = frozenset({"create", "update", "delete"})
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
ENTITY_LABELS = {
    "OrderLineItem": "Line Item",
    "SpecialDiscount": "Special Discount",
    "ShippingTracking": "Shipping Tracking",
    "AppliedPromotion": "Promotion",
}


def status_label(code: str | None) -> str:
    """'partially_shipped' -> 'Partially Shipped'."""
    if not code:
        return ""
    return STATUS_LABELS.get(code, code.replace("_", " ").title())


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field.removesuffix("_id").replace("_", " ").title())


def audit_value(field: str, value: object) -> str:
    """Show an audited value the way the order page shows it: labels, not codes."""
    if value is None or value == "":
        return "—"
    if field.endswith("_status") or field == "payment_method":
        return status_label(str(value))
    return str(value)


def action_label(action: str) -> str:
    """A transition's button label ('Mark as Shipped'), or the record action's ('Create')."""
    if action in TRANSITIONS:
        return TRANSITIONS[action].label
    return RECORD_ACTION_LABELS.get(action, action.replace("_", " ").title())


def is_status_action(action: str) -> bool:
    """Tell whether an audit action moved the order's status (a transition or a shipment)."""
    return action in TRANSITIONS or action == PARTIAL_SHIPMENT


def change_title(action: str, entity_type: str, entity_id: int) -> str:
    """ "Update Line Item #14", "Create Order", or just the transition: "Mark as Shipped"."""
    if action not in RECORD_ACTIONS:
        return action_label(action)
    title = f"{action_label(action)} {ENTITY_LABELS.get(entity_type, entity_type)}"
    return title if entity_type == "Order" else f"{title} #{entity_id}"
