"""How recorded changes read to a person: labels for status codes, fields and audit actions.

The Change History, the Activity timeline and the audit log show an order's audit entries
through these; transition names are labelled from the lifecycle table itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from actions.lifecycle import TRANSITIONS
from actions.shipping import PARTIAL_SHIPMENT
from models.orders import SOURCE_LABELS, STATUS_LABELS
from models.promotions import PROMOTION_KIND_LABELS

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
    "product_name": "Product",
    "unit_price": "Price",
    "shipped_quantity": "Shipped Quantity",
    "promotion_name": "Promotion",
    "coupon_code": "Coupon Code",
    "use_released": "Coupon Use Given Back",
    "type": "Discount Type",
    "method": "Shipping Method",
    "number": "Tracking Number",
    "source_type": "Source",
    "source_identifier": "Source Number",
}
ENTITY_LABELS = {
    "OrderLineItem": "Line Item",
    "SpecialDiscount": "Special Discount",
    "ShippingTracking": "Shipping Tracking",
    "AppliedPromotion": "Promotion",
}
# How a sentence names each kind of audited thing, before its own name: "line item SE-0130".
ENTITY_NOUNS = {
    "Order": "order",
    "OrderLineItem": "line item",
    "SpecialDiscount": "special discount",
    "ShippingTracking": "tracking number",
    "AppliedPromotion": "promotion",
}
# The snapshot field that names each kind, for entries written before audit rows kept a name.
NAME_FIELDS = {
    "Order": "identifier",
    "OrderLineItem": "product_sku",
    "SpecialDiscount": "description",
    "ShippingTracking": "number",
    "AppliedPromotion": "promotion_name",
}
DISCOUNT_TYPE_LABELS = {"amount": "Amount", "percent": "Percent"}


def status_label(code: str | None) -> str:
    """'partially_shipped' -> 'Partially Shipped'."""
    if not code:
        return ""
    return STATUS_LABELS.get(code, code.replace("_", " ").title())


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field.removesuffix("_id").replace("_", " ").title())


def audit_value(field: str, value: object) -> str:
    """Show an audited value the way the order page shows it: labels, not codes; yes/no."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if field.endswith("_status") or field == "payment_method":
        return status_label(str(value))
    if field == "kind":
        return PROMOTION_KIND_LABELS.get(str(value), str(value))
    if field == "type":
        return DISCOUNT_TYPE_LABELS.get(str(value), str(value))
    if field == "source_type":
        return SOURCE_LABELS.get(str(value), str(value))
    if isinstance(value, str) and len(value) > 10 and value[10:11] == "T" and value[:4].isdigit():
        return value[:16].replace("T", " ")  # an ISO date and time, to the minute
    return str(value)


def action_label(action: str) -> str:
    """A transition's button label ('Mark as Shipped'), or the record action's ('Create')."""
    if action in TRANSITIONS:
        return TRANSITIONS[action].label
    return RECORD_ACTION_LABELS.get(action, action.replace("_", " ").title())


def audit_actions() -> dict[str, str]:
    """Every action an audit entry can have, code → label, for the audit log's filter."""
    return {**RECORD_ACTION_LABELS, **{name: t.label for name, t in TRANSITIONS.items()}}


AUDIT_ACTIONS = audit_actions()


def is_status_action(action: str) -> bool:
    """Tell whether an audit action moved the order's status (a transition or a shipment)."""
    return action in TRANSITIONS or action == PARTIAL_SHIPMENT


def entity_name(
    entity_type: str, entity_id: int, label: str | None = None, changes: Mapping[str, Any] | None = None
) -> str:
    """What a sentence calls an audited thing: "line item SE-0130", "special discount Loyalty",
    "tracking number 1Z999", "promotion Spring Sale", "order SO-000042".

    The name is the one the audit row kept; for older rows it comes from the snapshot (or the
    new value of a renamed field), and failing that it is the row's id ("line item #14").
    """
    noun = ENTITY_NOUNS.get(entity_type, entity_type)
    name = label or _name_from_changes(entity_type, changes or {})
    return f"{noun} {name}" if name else f"{noun} #{entity_id}"


def _name_from_changes(entity_type: str, changes: Mapping[str, Any]) -> str | None:
    value = changes.get(NAME_FIELDS.get(entity_type, ""))
    if isinstance(value, list):
        value = value[-1] if value else None
    return None if value in (None, "") else str(value)


def _details(entity_type: str, snapshot: Mapping[str, Any]) -> str:
    """The parenthesis after an added or removed thing: "(3 × Widget)", "(10%)", "(UPS)"."""
    if entity_type == "OrderLineItem" and snapshot.get("quantity") is not None:
        product = snapshot.get("product_name") or snapshot.get("product_sku") or ""
        return f" ({snapshot['quantity']} × {product})"
    if entity_type == "SpecialDiscount" and snapshot.get("value") is not None:
        return f" ({snapshot['value']}{'%' if snapshot.get('type') == 'percent' else ''})"
    if entity_type == "ShippingTracking" and snapshot.get("method"):
        return f" ({snapshot['method']})"
    if entity_type == "AppliedPromotion" and snapshot.get("coupon_code"):
        return f" (coupon {snapshot['coupon_code']})"
    return ""


@dataclass(frozen=True)
class ChangeDescription:
    """An audit entry in words: a title ("Added line item SE-0130 (3 × Widget)") and the
    changed fields, one line each ("Quantity of SE-0130: 10 → 12")."""

    title: str
    lines: tuple[str, ...]


def describe_change(
    action: str,
    entity_type: str,
    entity_id: int,
    changes: Mapping[str, Any] | None,
    label: str | None = None,
) -> ChangeDescription:
    """Describe one audit entry the way a person would.

    Transitions keep their button label as the title ("Mark as Shipped"); updates list
    "Field: old → new" (for an order's parts "Field of SE-0130: old → new"); creates and
    deletes of an order's parts read "Added …" / "Removed …"; an order's own create and delete
    list the snapshot's fields, ids left out.
    """
    changes = changes or {}
    name = entity_name(entity_type, entity_id, label, changes)
    if action in ("create", "delete"):
        if entity_type == "Order":
            title = f"{'Created' if action == 'create' else 'Deleted'} {name}"
            fields = "; ".join(
                f"{field_label(field)}: {audit_value(field, value)}"
                for field, value in changes.items()
                if value is not None and value != "" and not field.endswith("_id") and field != "identifier"
            )
            return ChangeDescription(title, (fields,) if fields else ())
        verb = "Added" if action == "create" else "Removed"
        details = _details(entity_type, changes)
        if details == f" ({label})":
            details = ""  # a discount without a description is already named by its value
        return ChangeDescription(f"{verb} {name}{details}", ())
    if entity_type == "Order":
        of = ""
        title = action_label(action) if action not in RECORD_ACTIONS else f"Changed {name}"
    else:
        # A line item is known by its SKU alone; other parts need their noun to read.
        own = label or _name_from_changes(entity_type, changes)
        of = f" of {own if entity_type == 'OrderLineItem' and own else name}"
        title = f"Changed {name}" if action in RECORD_ACTIONS else f"{action_label(action)}: {name}"
    lines = tuple(
        f"{field_label(field)}{of}: {audit_value(field, change[0])} → {audit_value(field, change[1])}"
        for field, change in changes.items()
        if isinstance(change, list | tuple) and len(change) == 2
    )
    return ChangeDescription(title, lines)


def describe_entry(entry: Any) -> ChangeDescription:
    """describe_change() for an AuditEntry (or anything with its attributes)."""
    return describe_change(
        entry.action, entry.entity_type, entry.entity_id, entry.changes, getattr(entry, "entity_label", None)
    )


def change_title(action: str, entity_type: str, entity_id: int) -> str:
    """The title of an entry known only by its kind: "Changed line item #14", "Mark as Shipped"."""
    return describe_change(action, entity_type, entity_id, {}).title
