"""Shipping an order: whole or partial shipments, and its tracking numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from actions.audit import label_change, set_actor
from actions.errors import InvalidTransition, ValidationFailed
from actions.lifecycle import MARK_SHIPPED, apply_transition, check_transition
from actions.money import parse_number
from actions.permissions import has_permission, require_permission
from models import InternalStatus, Order, ShippingStatus, ShippingTracking, User, utcnow
from models.catalog import FRACTIONAL_UNITS

TRACKING_STATUSES = frozenset({InternalStatus.OPEN, InternalStatus.SHIPPED})
# The audit action of a shipment that leaves something to ship (the order stays open).
PARTIAL_SHIPMENT = "ship"
# Quantities are stored with four decimals; a finer one could not be recorded exactly.
QUANTITY_STEP = Decimal("0.0001")


@dataclass
class TrackingData:
    method: str
    number: str
    id: int | None = None  # an existing row when editing the set


def shipping_status_of(order: Order) -> ShippingStatus:
    """What the lines say: nothing shipped, some shipped, or every line fully shipped."""
    shipped = [li.shipped_quantity for li in order.line_items]
    if not any(shipped):
        return ShippingStatus.NOT_SHIPPED
    if all(li.shipped_quantity >= li.quantity for li in order.line_items):
        return ShippingStatus.SHIPPED
    return ShippingStatus.PARTIALLY_SHIPPED


def _parse_shipment(order: Order, quantities: Mapping[int, Decimal | str]) -> dict[int, Decimal]:
    lines = {li.id: li for li in order.line_items}
    shipment: dict[int, Decimal] = {}
    for line_id, raw in quantities.items():
        line = lines.get(line_id)
        if line is None:
            raise ValidationFailed(f"Line {line_id} is not on order {order.identifier}.", field="quantities")
        quantity = parse_number(
            str(raw).strip() or "0",
            refusal_message=f"{line.product_sku}: the quantity to ship is not a number.",
            field="quantities",
        )
        remaining = line.quantity - line.shipped_quantity
        if quantity < 0 or quantity > remaining:
            raise ValidationFailed(
                f"{line.product_sku}: ship between 0 and the {remaining.normalize():f} remaining.",
                field="quantities",
            )
        if quantity != quantity.quantize(QUANTITY_STEP) or (
            quantity != quantity.to_integral_value() and line.unit not in FRACTIONAL_UNITS
        ):
            raise ValidationFailed(
                f"{line.product_sku}: the unit {line.unit!r} cannot be shipped in that fraction.",
                field="quantities",
            )
        if quantity:
            shipment[line_id] = quantity
    if not shipment:
        raise ValidationFailed("Enter a quantity to ship for at least one line.", field="quantities")
    return shipment


def _check_trackings(rows: Sequence[TrackingData]) -> list[TrackingData]:
    cleaned = []
    for position, row in enumerate(rows, 1):
        method, number = row.method.strip(), row.number.strip()
        if not method and not number and row.id is None:
            continue  # an empty row of the form
        if not method or not number:
            raise ValidationFailed(
                f"Tracking row {position}: method and number are both required.", field="trackings"
            )
        if len(method) > 255 or len(number) > 255:
            raise ValidationFailed(f"Tracking row {position}: at most 255 characters.", field="trackings")
        cleaned.append(TrackingData(method=method, number=number, id=row.id))
    return cleaned


def ship_order(
    session: Session,
    order: Order,
    *,
    actor: User | None,
    quantities: Mapping[int, Decimal | str] | None = None,
    trackings: Sequence[TrackingData] = (),
) -> Order:
    """Record a shipment: everything remaining (quantities None) or chosen quantities per line.

    A partial shipment leaves the order open and Partially Shipped; once every line is fully
    shipped the order becomes Shipped. Tracking rows given here are added.
    Raises: InvalidTransition, PermissionDenied, ValidationFailed; nothing changes then.
    """
    check_transition(order, MARK_SHIPPED.name, actor=actor)
    new_rows = _check_trackings(trackings)
    shipment = None if quantities is None else _parse_shipment(order, quantities)
    if actor is not None:
        set_actor(session, actor.id)
    for row in new_rows:
        order.shipping_trackings.append(
            ShippingTracking(method=row.method, number=row.number, created_at=utcnow())
        )
    if shipment is not None:
        for line in order.line_items:
            if line.id in shipment:
                line.shipped_quantity = line.shipped_quantity + shipment[line.id]
        if any(li.shipped_quantity < li.quantity for li in order.line_items):
            label_change(session, order, PARTIAL_SHIPMENT)
            order.shipping_status = ShippingStatus.PARTIALLY_SHIPPED
            session.flush()
            return order
    return apply_transition(session, order, MARK_SHIPPED.name, actor=actor)


def shipment_result(order: Order) -> str:
    """What a shipment did: "… has been marked as shipped." or "… partially shipped."."""
    if order.internal_status == MARK_SHIPPED.target:
        return MARK_SHIPPED.result(order)
    return f"Order #{order.identifier} has been partially shipped."


def set_trackings(
    session: Session, order: Order, rows: Sequence[TrackingData], *, actor: User | None
) -> Order:
    """Replace the order's tracking rows with the submitted set (rows left out are removed).

    Raises: InvalidTransition unless the order is open or shipped; PermissionDenied without
    edit_orders or ship_orders; ValidationFailed for a row missing its method or number.
    """
    if actor is not None and not _may_track(actor):
        require_permission(actor, "ship_orders")
    if order.internal_status not in TRACKING_STATUSES:
        raise InvalidTransition(
            f"Order {order.identifier} cannot get tracking numbers because it is {order.internal_status}"
        )
    cleaned = _check_trackings(rows)
    existing = {t.id: t for t in order.shipping_trackings}
    for row in cleaned:
        if row.id is not None and row.id not in existing:
            raise ValidationFailed("A tracking row is not on this order.", field="trackings")
    if actor is not None:
        set_actor(session, actor.id)
    kept = []
    for row in cleaned:
        tracking = existing.get(row.id) if row.id is not None else None
        if tracking is None:
            tracking = ShippingTracking(method=row.method, number=row.number, created_at=utcnow())
        else:
            tracking.method, tracking.number = row.method, row.number
        kept.append(tracking)
    order.shipping_trackings = kept
    session.flush()
    return order


def may_track(order: Order, user: User | None) -> bool:
    """Tell whether a user may change the order's tracking numbers now."""
    return order.internal_status in TRACKING_STATUSES and _may_track(user)


def _may_track(user: User | None) -> bool:
    return has_permission(user, "ship_orders") or has_permission(user, "edit_orders")
