"""Changing and removing existing orders: edit an open order, delete an order."""

from __future__ import annotations

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from actions.attachments import attachment_files
from actions.audit import set_actor
from actions.coupons import drop_applied_coupon, release_coupon_uses
from actions.creation import OrderData
from actions.errors import OrderNotEditable, PermissionDenied, StaleOrder, ValidationFailed
from actions.order_header import check_header
from actions.order_input import (
    ADDRESS_FIELDS,
    LineData,
    build_line,
    customer_and_user,
)
from actions.permissions import has_permission, require_permission
from actions.pricing import estimate_shipping_cost, recalculate, totals_for
from actions.promotions import apply_automatic_promotions
from actions.shipping import shipping_status_of
from models import (
    AppliedPromotion,
    InternalStatus,
    Order,
    OrderAddress,
    OrderLineItem,
    ShippingStatus,
    User,
)

STALE_MESSAGE = "This order was changed by someone else since you opened it"
EDITABLE_STATUSES = frozenset({InternalStatus.OPEN})


def is_editable(order: Order) -> bool:
    """Tell whether the order's lines, addresses, discounts and coupons may change (SPEC §2.2)."""
    return order.internal_status in EDITABLE_STATUSES


def check_editable(order: Order, *, actor: User | None) -> None:
    """Raises: PermissionDenied without edit_orders; OrderNotEditable unless the order is open
    (SPEC §2.2)."""
    if actor is not None and not has_permission(actor, "edit_orders"):
        raise PermissionDenied("You do not have permission to edit orders.")
    if not is_editable(order):
        raise OrderNotEditable(
            f"Order {order.identifier} cannot be edited because it is {order.internal_status}."
        )


def _same_address(current: OrderAddress | None, new: OrderAddress | None) -> bool:
    if current is None or new is None:
        return current is new
    return all(getattr(current, f) == getattr(new, f) for f in ADDRESS_FIELDS)


def _merge_lines(session: Session, order: Order, lines: list[LineData]) -> list[OrderLineItem]:
    """Validate the submitted lines against the order's: kept lines keep their shipped quantity."""
    existing = {li.id: li for li in order.line_items}
    merged: list[OrderLineItem] = []
    for position, data in enumerate(lines, 1):
        built = build_line(session, data, order.currency, position)
        if data.id is None:
            merged.append(built)
            continue
        current = existing.pop(data.id, None)
        if current is None:
            raise ValidationFailed(f"Line {position}: this line is not on the order.", field="line_items")
        if built.quantity < current.shipped_quantity:
            raise ValidationFailed(
                f"Line {position}: the quantity cannot be less than the "
                f"{current.shipped_quantity.normalize():f} already shipped.",
                field="quantity",
            )
        merged.append(built)
    for gone in existing.values():
        if gone.shipped_quantity > 0:
            raise ValidationFailed(
                f"Line {gone.product_sku} has been shipped and cannot be removed.", field="line_items"
            )
    return merged


def _apply_lines(order: Order, lines: list[LineData], merged: list[OrderLineItem]) -> None:
    by_id = {li.id: li for li in order.line_items}
    kept: list[OrderLineItem] = []
    for data, built in zip(lines, merged, strict=True):
        if data.id is None:
            kept.append(built)
            continue
        current = by_id[data.id]
        for field in (
            "product_id",
            "product_sku",
            "product_name",
            "free_form",
            "quantity",
            "unit",
            "unit_price",
            "ship_by",
            "notes",
        ):
            setattr(current, field, getattr(built, field))
        current.product = built.product
        kept.append(current)
    order.line_items = kept


def _follow_shipped_quantities(session: Session, order: Order) -> None:
    """An edit can leave every line fully shipped (a quantity cut to what already went out):
    the order is then shipped, as a last partial shipment would have made it."""
    status = shipping_status_of(order)
    if status == order.shipping_status:
        return
    order.shipping_status = status
    if status == ShippingStatus.SHIPPED:
        order.internal_status = InternalStatus.SHIPPED


PROMOTION_STATES = ("active", "inactive", "remove")


def _promotions_after(order: Order, states: dict[int, str]) -> list[AppliedPromotion]:
    """The applied promotions the edit leaves, with their new active flags, unsaved.

    Raises: ValidationFailed for an unknown state, a promotion not on the order, or removing
    an automatic promotion (it can only be deactivated).
    """
    by_id = {p.id: p for p in order.applied_promotions}
    kept: list[AppliedPromotion] = []
    for applied_id, state in states.items():
        applied = by_id.get(applied_id)
        if applied is None or state not in PROMOTION_STATES:
            raise ValidationFailed(
                "Promotions: this promotion is not applied to the order.", field="promotions"
            )
        if state == "remove" and applied.coupon_id is None:
            raise ValidationFailed(
                "Promotions: an automatic promotion cannot be removed; deactivate it instead.",
                field="promotions",
            )
    for applied in order.applied_promotions:
        state = states.get(applied.id, "active" if applied.active else "inactive")
        if state != "remove":
            kept.append(
                AppliedPromotion(
                    kind=applied.kind,
                    value=applied.value,
                    promotion_name=applied.promotion_name,
                    coupon_code=applied.coupon_code,
                    active=state == "active",
                )
            )
    return kept


def _apply_promotion_states(
    session: Session, order: Order, states: dict[int, str], *, give_back_coupons: bool
) -> None:
    for applied in list(order.applied_promotions):
        state = states.get(applied.id)
        if state == "remove" and give_back_coupons:
            drop_applied_coupon(session, order, applied)
        elif state == "remove":  # a preview: the same totals, the coupon's uses left alone
            order.applied_promotions.remove(applied)
        elif state is not None and applied.active != (state == "active"):
            applied.active = state == "active"


def update_order(
    session: Session, order: Order, data: OrderData, *, actor: User | None, expected_version: int | None
) -> Order:
    """Apply an edit form to an open order and recompute its totals.

    `expected_version` is the version the form was opened at; None skips the check (scripts).
    Raises: OrderNotEditable, StaleOrder, ValidationFailed, DiscountTooLarge; nothing changes.
    """
    if actor is not None:
        set_actor(session, actor.id)
    apply_order_edit(session, order, data, actor=actor, expected_version=expected_version)
    try:
        session.flush()
    except StaleDataError:
        raise StaleOrder(STALE_MESSAGE) from None
    return order


def apply_order_edit(
    session: Session,
    order: Order,
    data: OrderData,
    *,
    actor: User | None,
    expected_version: int | None,
    give_back_coupons: bool = True,
) -> None:
    """Check an edit, then make it on the order in memory with its totals recomputed; no flush.

    Edit Order flushes what this does; the totals preview reads it and rolls back, passing
    give_back_coupons=False so a removed coupon's use is not given back by an UPDATE.
    Raises: OrderNotEditable, StaleOrder, ValidationFailed, DiscountTooLarge; nothing changes.
    """
    check_editable(order, actor=actor)
    if expected_version is not None and expected_version != order.version:
        raise StaleOrder(STALE_MESSAGE)
    if data.currency and data.currency != order.currency:
        raise ValidationFailed("Currency cannot be changed after the order is created.", field="currency")
    customer_and_user(session, data.customer_id, data.customer_user_id)  # first, as the form
    if not data.lines:
        raise ValidationFailed("Please add at least one Line Item", field="line_items")
    merged = _merge_lines(session, order, list(data.lines))
    header = check_header(session, data, order.currency)
    method = header.shipping_method
    shipping, overridden = header.shipping_address, header.overridden_shipping_cost
    discounts = header.special_discounts
    estimated = (
        estimate_shipping_cost(method, order.currency, [li.quantity for li in merged])
        if method is not None
        else None
    )
    new_shipping = shipping if not _same_address(order.shipping_address, shipping) else order.shipping_address
    # The totals are checked before anything changes (a discount may exceed the new subtotal).
    promotions = _promotions_after(order, dict(data.promotion_states))
    totals_for(
        session,
        order.currency,
        merged,
        discounts,
        overridden if overridden is not None else estimated,
        new_shipping,
        promotions,
    )

    with session.no_autoflush:
        order.customer = header.customer
        order.customer_user = header.customer_user
        if header.owner is not None:
            order.owner = header.owner
        order.po_number = header.po_number
        order.ship_until = header.ship_until
        order.customer_notes = header.customer_notes
        order.payment_term = header.payment_term
        order.payment_method = header.payment_method
        if not _same_address(order.billing_address, header.billing_address):
            order.billing_address = header.billing_address
        if not _same_address(order.shipping_address, shipping):
            order.shipping_address = shipping
        _apply_lines(order, list(data.lines), merged)
        order.special_discounts = discounts
        order.shipping_method = method
        order.estimated_shipping_cost = estimated
        order.overridden_shipping_cost = overridden
        _apply_promotion_states(
            session, order, dict(data.promotion_states), give_back_coupons=give_back_coupons
        )
        apply_automatic_promotions(session, order)
        recalculate(session, order)
        _follow_shipped_quantities(session, order)


def delete_order(session: Session, order: Order, *, actor: User | None) -> list[str]:
    """Delete an order; the audit log keeps a snapshot of it and its lines.

    Returns the storage keys of its attachments' files, for the caller to remove once the
    delete is committed (a rolled-back delete must not lose them).
    Raises: PermissionDenied without delete_orders.
    """
    if actor is not None:
        require_permission(actor, "delete_orders")
        set_actor(session, actor.id)
    files = attachment_files(session, order)
    # Loaded so the cascade puts them in session.deleted, where the audit snapshots them.
    _children = (
        order.line_items,
        order.special_discounts,
        order.shipping_trackings,
        order.billing_address,
        order.shipping_address,
        order.applied_promotions,
    )
    release_coupon_uses(session, order)  # a deleted order holds no coupon use
    session.delete(order)
    session.flush()
    return files
