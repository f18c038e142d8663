"""Creating customers and customer users on the fly, from the order form."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.errors import ValidationFailed
from actions.permissions import has_permission, require_permission
from models import Customer, CustomerUser, User

# One @, a local part, and a domain of dot-separated non-empty labels; no spaces.
EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def create_customer(session: Session, name: str, *, actor: User | None) -> Customer:
    """Create a customer with just a name; the rest is filled in on the customer page later.

    Raises: ValidationFailed for an empty name; PermissionDenied without manage_customers or
    create_orders (sales staff create buyers while taking an order).
    """
    if actor is not None and not _may_create(actor):
        require_permission(actor, "manage_customers")
    name = name.strip()
    if not name:
        raise ValidationFailed("Customer name: this value should not be blank.", field="name")
    if len(name) > 255:
        raise ValidationFailed("Customer name: at most 255 characters.", field="name")
    customer = Customer(name=name, owner=actor)
    session.add(customer)
    session.flush()
    return customer


def create_customer_user(
    session: Session, customer: Customer, *, email: str, first_name: str, last_name: str, actor: User | None
) -> CustomerUser:
    """Create an enabled buyer of a customer.

    Raises: ValidationFailed for a missing name, an invalid or already used email.
    """
    if actor is not None and not _may_create(actor):
        require_permission(actor, "manage_customers")
    email = email.strip().lower()
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name or not last_name:
        raise ValidationFailed("Customer user: first and last name are required.", field="first_name")
    if not EMAIL_PATTERN.fullmatch(email):
        raise ValidationFailed("Customer user email: this value is not a valid email address.", field="email")
    taken = session.scalar(select(CustomerUser.id).where(func.lower(CustomerUser.email) == email))
    if taken is not None:
        raise ValidationFailed(
            "Customer user email: a customer user with this email already exists.", field="email"
        )
    buyer = CustomerUser(
        customer=customer, email=email, first_name=first_name, last_name=last_name, enabled=True
    )
    session.add(buyer)
    session.flush()
    return buyer


def _may_create(actor: User) -> bool:
    return has_permission(actor, "manage_customers") or has_permission(actor, "create_orders")
