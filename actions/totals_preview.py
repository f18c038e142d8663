"""The totals an order form would save, shown while it is filled in (live totals).

The preview runs the save path itself (build_order for Create Order, apply_order_edit for
Edit) up to the totals, and stops before anything is flushed: the preview and the saved order
come from one computation, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from actions.creation import OrderData, build_order
from actions.editing import apply_order_edit
from actions.permissions import require_permission
from actions.pricing import order_totals
from actions.totals import Totals
from models import Order, User


def preview_totals(
    session: Session,
    data: OrderData,
    *,
    order: Order | None = None,
    actor: User | None,
    expected_version: int | None = None,
) -> Totals:
    """Compute the totals that saving `data` would store: a new order, or an edit of `order`.

    Nothing is added, flushed or written, so neither the audit log nor the webhook outbox
    sees the preview; an edit is made on `order` in memory only, and a new order is built
    but never added, so the caller must roll the session back afterwards to drop them.
    Raises: PermissionDenied without create_orders (new) or edit_orders (edit);
    OrderNotEditable, StaleOrder, ValidationFailed, DiscountTooLarge as saving would.
    """
    with session.no_autoflush:
        if order is None:
            if actor is not None:
                require_permission(actor, "create_orders")
            built = build_order(session, replace(data, submission_key=None), actor=actor)
        else:
            apply_order_edit(
                session,
                order,
                data,
                actor=actor,
                expected_version=expected_version,
                give_back_coupons=False,
            )
            built = order
        return order_totals(session, built)
