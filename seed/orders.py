"""Demo orders through `actions.creation.create_order`, the path the Create Order form uses.

Each order then reaches its planned status through the actions people use: `ship_order` for
its shipment (partial or whole, with the plan's trackings), then `apply_transition` for
cancel, close and archive; so its audit trail and timeline read like a real order's. Only
the dates are demo scenery, spread over the history afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, bindparam, case, or_, select, update
from sqlalchemy.orm import Session, selectinload

from actions.creation import DiscountData, OrderData, create_order
from actions.lifecycle import ARCHIVE, CANCEL, CLOSE, MARK_SHIPPED, apply_transition
from actions.order_input import AddressData, LineData
from actions.permissions import has_permission
from actions.shipping import PARTIAL_SHIPMENT, TrackingData, ship_order
from models import (
    AuditEntry,
    Customer,
    CustomerAddress,
    CustomerUser,
    CustomerUserAddress,
    InternalStatus,
    Order,
    PaymentTerm,
    Product,
    ShippingMethod,
    ShippingStatus,
    ShippingTracking,
    User,
    order_identifier,
)
from seed.plan import OrderPlan
from seed.pools import AddressInfo

# The transitions that follow the shipment, if any, to reach each planned status (SPEC §2.2);
# a whole shipment is itself the step to Shipped.
TRANSITIONS_AFTER_SHIPPING = {
    InternalStatus.OPEN: (),
    InternalStatus.SHIPPED: (),
    InternalStatus.CANCELLED: (CANCEL,),
    InternalStatus.CLOSED: (CLOSE,),
    InternalStatus.ARCHIVED: (CLOSE, ARCHIVE),
}


def _address_data(entry: AddressInfo) -> AddressData:
    if entry.book == "customer":
        return AddressData(customer_address_id=entry.id)
    return AddressData(customer_user_address_id=entry.id)


def order_data(plan: OrderPlan, source_id: int | None) -> OrderData:
    """The input the Create Order form would send for this plan."""
    return OrderData(
        customer_id=plan.customer.id,
        customer_user_id=plan.buyer.id if plan.buyer else None,
        currency=plan.currency,
        lines=[
            LineData(
                quantity=li.quantity,
                product_id=li.product.id,
                unit_price=li.unit_price if li.price_overridden else None,
                ship_by=li.ship_by,
                notes=li.notes,
            )
            for li in plan.lines
        ],
        billing_address=_address_data(plan.billing),
        shipping_address=_address_data(plan.shipping),
        shipping_method_id=plan.method.id if plan.method else None,
        overridden_shipping_cost=plan.overridden_shipping_cost,
        special_discounts=[DiscountData(t, v, d) for t, v, d in plan.discounts],
        po_number=plan.po_number,
        ship_until=plan.ship_until,
        customer_notes=plan.customer_notes,
        payment_term_id=plan.payment_term_id,
        payment_method=plan.payment_method,
        owner_id=plan.owner_id,
        source_type="order" if source_id is not None else None,
        source_id=source_id,
        source_identifier=order_identifier(source_id) if source_id is not None else None,
    )


def _shipment(order: Order, plan: OrderPlan) -> dict[int, Decimal] | None:
    """The planned quantity per line id; None ships everything (Mark as Shipped)."""
    if plan.shipping_status == ShippingStatus.SHIPPED:
        return None
    return {
        line.id: line_plan.shipped_quantity
        for line, line_plan in zip(order.line_items, plan.lines, strict=True)
        if line_plan.shipped_quantity
    }


def _reach_planned_status(
    session: Session, order: Order, plan: OrderPlan, owner: User | None, manager: User | None
) -> None:
    """Ship as planned (by the owner), then cancel, close or archive (by the owner if their
    role allows it, else by the manager)."""
    if plan.shipping_status != ShippingStatus.NOT_SHIPPED:
        trackings = [TrackingData(method, number) for method, number, _when in plan.trackings]
        ship_order(session, order, actor=owner, quantities=_shipment(order, plan), trackings=trackings)
    for transition in TRANSITIONS_AFTER_SHIPPING[plan.internal_status]:
        allowed = has_permission(owner, transition.permission)
        apply_transition(session, order, transition.name, actor=owner if allowed else manager)
    # No action records payments yet (a later capability): the planned status is set as is.
    order.payment_status = plan.payment_status


def _hold_reference_data(session: Session) -> list[object]:
    """Load what create_order looks up, and keep it referenced.

    The session's identity map is weak: without these references every session.get in
    create_order would query again.
    """
    held: list[object] = []
    for model in (User, PaymentTerm, Customer, CustomerAddress, CustomerUser, CustomerUserAddress, Product):
        held.extend(session.scalars(select(model)))
    held.extend(session.scalars(select(ShippingMethod).options(selectinload(ShippingMethod.prices))))
    return held


def create_orders(session: Session, plans: list[OrderPlan], echo: Callable[[str], None]) -> list[int]:
    """Create each planned order through create_order, take it to its status, then date it;
    returns the ids."""
    ids: list[int] = []
    actors: dict[int | None, User | None] = {}
    held = _hold_reference_data(session)
    manager = session.scalar(
        select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.id).limit(1)
    )
    for n, plan in enumerate(plans, 1):
        if plan.owner_id not in actors:
            actors[plan.owner_id] = session.get(User, plan.owner_id) if plan.owner_id else None
        source = ids[plan.source_position] if plan.source_position is not None else None
        order = create_order(session, order_data(plan, source), actor=actors[plan.owner_id])
        _reach_planned_status(session, order, plan, actors[plan.owner_id], manager)
        ids.append(order.id)
        if n % 100 == 0:
            echo(f"  {n:,} orders created through create_order")
    session.flush()
    _backdate(session, ids, plans)
    del held
    return ids


def _moments(plan: OrderPlan) -> dict[str, datetime]:
    """When the order was created, shipped (its first tracking) and last changed."""
    shipped = min((when for _method, _number, when in plan.trackings), default=plan.created_at)
    return {"c": plan.created_at, "s": shipped, "u": max(plan.updated_at, shipped)}


def _backdate(session: Session, ids: list[int], plans: list[OrderPlan]) -> None:
    """Spread the orders over the history: created; shipped, with the shipment's trackings;
    then cancelled, closed or archived.

    Plain UPDATEs: the dates are demo scenery, not user changes, so no version bump or audit.
    """
    if not ids:
        return
    moments = [{"oid": i, **_moments(p)} for i, p in zip(ids, plans, strict=True)]
    orders = Order.__table__
    session.execute(
        update(orders)
        .where(orders.c.id == bindparam("oid"))
        .values(created_at=bindparam("c"), updated_at=bindparam("u")),
        moments,
    )
    trackings = ShippingTracking.__table__
    shipped = [m for m, p in zip(moments, plans, strict=True) if p.trackings]
    if shipped:
        session.execute(
            update(trackings)
            .where(trackings.c.order_id == bindparam("oid"))
            .values(created_at=bindparam("s")),
            shipped,
        )
    audit = AuditEntry.__table__
    at = audit.c.occurred_at.type
    created = and_(audit.c.action == "create", audit.c.entity_type != "ShippingTracking")
    # Spelled out rather than IN (…): an executemany cannot expand a list.
    shipment = or_(
        audit.c.action == PARTIAL_SHIPMENT,
        audit.c.action == MARK_SHIPPED.name,
        audit.c.entity_type == "ShippingTracking",
        audit.c.entity_type == "OrderLineItem",
    )
    session.execute(
        update(audit)
        .where(audit.c.order_id == bindparam("oid"))
        .values(
            occurred_at=case(
                (created, bindparam("c", type_=at)),
                (shipment, bindparam("s", type_=at)),
                else_=bindparam("u", type_=at),
            )
        ),
        moments,
    )
