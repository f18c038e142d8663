"""Roles and what each may do (SPEC §8): the one table every view and action checks."""

from __future__ import annotations

from typing import Protocol

from actions.errors import PermissionDenied

PERMISSIONS = (
    "view_orders",
    "create_orders",
    "edit_orders",
    "delete_orders",
    "cancel_orders",
    "ship_orders",
    "close_orders",
    "archive_orders",
    "manage_promotions",
    "manage_customers",
    "manage_catalog",
    "manage_users",
    "view_audit",
)

_ORDER_OPERATIONS = frozenset(
    {
        "view_orders",
        "create_orders",
        "edit_orders",
        "delete_orders",
        "cancel_orders",
        "ship_orders",
        "close_orders",
        "archive_orders",
    }
)

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "manager": _ORDER_OPERATIONS | {"manage_promotions", "manage_customers", "manage_catalog", "view_audit"},
    "sales": frozenset({"view_orders", "create_orders", "edit_orders", "ship_orders"}),
    "viewer": frozenset({"view_orders"}),
}


# How a role is named in a sentence ("Cancel needs a manager or an administrator.").
ROLE_NOUNS: dict[str, str] = {
    "viewer": "a viewer",
    "sales": "a sales user",
    "manager": "a manager",
    "admin": "an administrator",
}


def join_words(words: list[str], conjunction: str = "and") -> str:
    """Join words as a sentence does: "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def who_may(permission: str) -> str:
    """Name the roles that grant a permission, least powerful first: "a manager or an administrator"."""
    return join_words(
        [noun for role, noun in ROLE_NOUNS.items() if permission in ROLE_PERMISSIONS[role]], "or"
    )


class HasRole(Protocol):
    # Read-only members, so a mapped column or a property satisfies them.
    @property
    def role(self) -> str: ...

    @property
    def is_active(self) -> bool: ...


def has_permission(user: HasRole | None, permission: str) -> bool:
    """Tell whether an active user's role grants a permission."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    if user is None or not user.is_active:
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def require_permission(user: HasRole | None, permission: str) -> None:
    """Raises: PermissionDenied when the user's role lacks the permission."""
    if not has_permission(user, permission):
        raise PermissionDenied("You do not have permission to perform this action.")
