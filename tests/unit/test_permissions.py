"""The role table (SPEC §8): what each role may do, checked by every view and action."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from actions.errors import PermissionDenied
from actions.permissions import (
    PERMISSIONS,
    ROLE_PERMISSIONS,
    has_permission,
    require_permission,
)
from models import ROLES


@dataclass
class FakeUser:
    role: str
    is_active: bool = True


SPEC_PERMISSIONS = {
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
}


def test_the_permission_names_are_the_ones_the_spec_lists():
    assert set(PERMISSIONS) == SPEC_PERMISSIONS


def test_every_role_has_a_row_in_the_table():
    assert set(ROLE_PERMISSIONS) == set(ROLES) == {"admin", "manager", "sales", "viewer"}


@pytest.mark.parametrize("permission", sorted(SPEC_PERMISSIONS))
def test_an_admin_may_do_everything(permission):
    assert has_permission(FakeUser("admin"), permission)


@pytest.mark.parametrize(
    "permission",
    [
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
    ],
)
def test_a_manager_may_do_every_order_customer_catalog_and_promotion_operation(permission):
    assert has_permission(FakeUser("manager"), permission)


def test_a_manager_cannot_manage_users():
    assert not has_permission(FakeUser("manager"), "manage_users")


@pytest.mark.parametrize("permission", ["view_orders", "create_orders", "edit_orders"])
def test_sales_may_view_create_and_edit_orders(permission):
    assert has_permission(FakeUser("sales"), permission)


@pytest.mark.parametrize(
    "permission",
    [
        "delete_orders",
        "cancel_orders",
        "close_orders",
        "archive_orders",
        "manage_users",
        "manage_promotions",
        "manage_customers",
        "manage_catalog",
    ],
)
def test_sales_cannot_delete_cancel_close_archive_or_manage(permission):
    assert not has_permission(FakeUser("sales"), permission)


def test_a_viewer_may_only_view_orders():
    # Given a viewer; when every permission is checked; then only view_orders is granted
    granted = {p for p in PERMISSIONS if has_permission(FakeUser("viewer"), p)}
    assert granted == {"view_orders"}


@pytest.mark.parametrize("role", ["admin", "manager", "sales", "viewer"])
def test_an_inactive_user_may_do_nothing(role):
    user = FakeUser(role, is_active=False)
    assert not any(has_permission(user, p) for p in PERMISSIONS)


def test_nobody_and_an_unknown_role_may_do_nothing():
    assert not has_permission(None, "view_orders")
    assert not has_permission(FakeUser("intern"), "view_orders")


def test_asking_about_an_unknown_permission_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown permission"):
        has_permission(FakeUser("admin"), "view_ordres")


def test_requiring_a_missing_permission_raises_a_user_facing_refusal():
    # Given a viewer; when cancel_orders is required; then the refusal says so
    with pytest.raises(PermissionDenied) as refused:
        require_permission(FakeUser("viewer"), "cancel_orders")
    assert refused.value.message == "You do not have permission to perform this action."
    # and a granted permission passes silently
    require_permission(FakeUser("manager"), "cancel_orders")
