"""Demo orders through `actions.creation.create_order`, the path the Create Order form uses.

Statuses are set directly for now (the lifecycle actions come later); those changes go
through the ORM, so the audit listener records them like any other change.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, selectinload

from actions.creation import DiscountData, OrderData, create_order
from actions.order_input import AddressData, LineData
from models import (
    AuditEntry,
    Customer,
    CustomerAddress,
    CustomerUser,
    CustomerUserAddress,
    Order,
    PaymentTerm,
    Product,
    ShippingMethod,
    ShippingTracking,
    User,
    order_identifier,
)
from seed.plan import OrderPlan
from seed.pools import AddressInfo


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


def _apply_status(order: Order, plan: OrderPlan) -> None:
    order.internal_status = plan.internal_status
    order.shipping_status = plan.shipping_status
    order.payment_status = plan.payment_status
    for line, line_plan in zip(order.line_items, plan.lines, strict=True):
        line.shipped_quantity = line_plan.shipped_quantity


def _add_trackings(session: Session, order: Order, plan: OrderPlan) -> None:
    # Set from the tracking's side: appending to the never-loaded collection would query it.
    for method, number, when in plan.trackings:
        session.add(ShippingTracking(order=order, method=method, number=number, created_at=when))


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
    """Create each planned order through create_order, then date it; returns the ids."""
    ids: list[int] = []
    actors: dict[int | None, User | None] = {}
    held = _hold_reference_data(session)
    for n, plan in enumerate(plans, 1):
        if plan.owner_id not in actors:
            actors[plan.owner_id] = session.get(User, plan.owner_id) if plan.owner_id else None
        source = ids[plan.source_position] if plan.source_position is not None else None
        order = create_order(session, order_data(plan, source), actor=actors[plan.owner_id])
        _apply_status(order, plan)
        _add_trackings(session, order, plan)
        ids.append(order.id)
        if n % 100 == 0:
            echo(f"  {n:,} orders created through create_order")
    session.flush()
    _backdate(session, ids, plans)
    del held
    return ids


def _backdate(session: Session, ids: list[int], plans: list[OrderPlan]) -> None:
    """Spread created/updated times over the history; the audit rows move with them.

    Plain UPDATEs: the dates are demo scenery, not user changes, so no version bump or audit.
    """
    if not ids:
        return
    orders = Order.__table__
    session.execute(
        update(orders)
        .where(orders.c.id == bindparam("oid"))
        .values(created_at=bindparam("c"), updated_at=bindparam("u")),
        [{"oid": i, "c": p.created_at, "u": p.updated_at} for i, p in zip(ids, plans, strict=True)],
    )
    audit = AuditEntry.__table__
    for action, key in (("create", "created_at"), ("update", "updated_at")):
        session.execute(
            update(audit)
            .where(audit.c.order_id == bindparam("oid"), audit.c.action == action)
            .values(occurred_at=bindparam("t")),
            [{"oid": i, "t": getattr(p, key)} for i, p in zip(ids, plans, strict=True)],
        )
