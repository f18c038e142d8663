"""The errors a user may see: each carries a message fit to show and a stable code."""

from __future__ import annotations


class DomainError(Exception):
    """A refused operation; nothing has been changed when it is raised."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    code = "validation_failed"


class PermissionDenied(DomainError):
    code = "permission_denied"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class OrderNotEditable(DomainError):
    code = "order_not_editable"


class DiscountTooLarge(DomainError):
    code = "discount_too_large"


class StaleOrder(DomainError):
    code = "stale_order"


class CouponNotApplicable(DomainError):
    """A coupon refused for an order; `reason` says which check refused it."""

    code = "coupon_not_applicable"

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, field="coupon_code")
        self.reason = reason


class AlreadySubmitted(DomainError):
    """The Create Order form was sent again after it had made an order."""

    def __init__(self, order_id: int, identifier: str) -> None:
        super().__init__(f"This form was already saved as order {identifier}; no second order was made.")
        self.order_id = order_id
