"""What a user may do with an order now, and on the order grid: one answer for every screen.

Views and templates read these answers instead of comparing statuses and permissions
themselves; the actions check the same predicates again when something is posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from actions.activities import may_add_activities, may_modify
from actions.bulk import BulkOperation, bulk_operations
from actions.editing import is_editable
from actions.lifecycle import TRANSITIONS, Transition, allowed_transitions
from actions.mailer import is_unsent
from actions.permissions import has_permission, join_words, who_may
from actions.shipping import may_track
from models import Email, Order, User
from models.orders import STATUS_LABELS


@dataclass(frozen=True)
class OrderCapabilities:
    """The operations the order page offers one user for one order."""

    user: User | None
    edit: bool  # the edit form, special discounts, coupons and applied promotions
    delete: bool
    reorder: bool
    transitions: tuple[Transition, ...]
    track: bool  # Shipping Tracking
    add_activities: bool  # notes, attachments, events, emails (and retrying an email)
    documents: bool  # Invoice and Packing Slip: whoever may view the order may print it
    # Why the page offers less: the order's status, then the operations the role lacks.
    reasons: tuple[str, ...] = ()

    @property
    def discounts(self) -> bool:
        return self.edit

    @property
    def coupons(self) -> bool:
        return self.edit

    def modify_activity(self, item: Any) -> bool:
        """Tell whether the user may edit or delete this note, event or attachment."""
        return may_modify(self.user, item)

    def retry_email(self, email: Email) -> bool:
        return self.add_activities and is_unsent(email)


def order_capabilities(order: Order, user: User | None) -> OrderCapabilities:
    """Answer "what may this user do with this order now" in one place."""
    return OrderCapabilities(
        user=user,
        edit=is_editable(order) and has_permission(user, "edit_orders"),
        delete=has_permission(user, "delete_orders"),
        reorder=has_permission(user, "create_orders"),
        transitions=tuple(allowed_transitions(order, user)) if user is not None else (),
        track=may_track(order, user),
        add_activities=may_add_activities(user),
        documents=has_permission(user, "view_orders"),
        reasons=_status_reasons(order) + _role_reasons(order, user),
    )


def _status_reasons(order: Order) -> tuple[str, ...]:
    """What a status that is no longer open still allows: "Closed orders can only be archived."."""
    if is_editable(order):
        return ()
    status = STATUS_LABELS.get(order.internal_status, str(order.internal_status))
    moves = [t.done for t in TRANSITIONS.values() if order.internal_status in t.sources]
    if not moves:
        return (f"{status} orders cannot be changed.",)
    return (f"{status} orders can only be {join_words(moves, 'or')}.",)


def _role_reasons(order: Order, user: User | None) -> tuple[str, ...]:
    """The status's transitions the user's role lacks: "Cancel and Close need a manager or an
    administrator."."""
    if user is None:
        return ()
    withheld: dict[str, list[str]] = {}
    for t in TRANSITIONS.values():
        if order.internal_status in t.sources and not has_permission(user, t.permission):
            withheld.setdefault(who_may(t.permission), []).append(t.label)
    return tuple(
        f"{join_words(labels)} {'needs' if len(labels) == 1 else 'need'} {who}."
        for who, labels in withheld.items()
    )


@dataclass(frozen=True)
class GridCapabilities:
    """What the order grid offers one user: Create Order and the bulk operations."""

    create: bool
    order_form: bool  # the create or edit form and its look-ups
    bulk: tuple[BulkOperation, ...]
    edit_orders: bool = False
    delete: bool = False  # each row's Delete
    documents: bool = False  # Print Invoices, Print Packing Slips

    def edit(self, order: Order) -> bool:
        """Each row's Edit: the order page's `edit`, without working out everything else a
        row does not show."""
        return self.edit_orders and is_editable(order)


def grid_capabilities(user: User | None) -> GridCapabilities:
    return GridCapabilities(
        create=has_permission(user, "create_orders"),
        order_form=has_permission(user, "create_orders") or has_permission(user, "edit_orders"),
        bulk=tuple(op for op in bulk_operations() if has_permission(user, op.permission)),
        edit_orders=has_permission(user, "edit_orders"),
        delete=has_permission(user, "delete_orders"),
        documents=has_permission(user, "view_orders"),
    )
