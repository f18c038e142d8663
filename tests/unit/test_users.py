"""Back-office accounts: argon2id hashes, and authentication that never says which part failed."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from actions.errors import ValidationFailed
from actions.users import (
    authenticate,
    create_user,
    deactivate_user,
    find_user,
    set_password,
    update_user,
)
from models import User

PASSWORD = "correct-horse-42"


@pytest.fixture
def alice(session):
    user = create_user(session, "Alice@Example.com", full_name="Alice", role="sales", password=PASSWORD)
    session.commit()
    return user


def test_passwords_are_hashed_with_argon2id_at_owasp_strength(alice):
    # Given a created user; then the stored hash is argon2id, 19 MiB, 2 passes, 1 lane
    assert alice.password_hash.startswith("$argon2id$")
    assert "m=19456,t=2,p=1" in alice.password_hash
    assert PASSWORD not in alice.password_hash
    assert PasswordHasher().verify(alice.password_hash, PASSWORD)


def test_the_right_password_authenticates_whatever_the_email_case(session, alice):
    assert authenticate(session, "alice@example.com", PASSWORD) is alice
    assert authenticate(session, "  ALICE@example.COM ", PASSWORD) is alice


def test_a_wrong_password_returns_none(session, alice):
    assert authenticate(session, "alice@example.com", PASSWORD + "x") is None
    assert authenticate(session, "alice@example.com", "") is None


def test_an_unknown_email_returns_none(session, alice):
    assert authenticate(session, "bob@example.com", PASSWORD) is None


def test_an_inactive_user_cannot_authenticate_even_with_the_right_password(session, alice):
    # Given a deactivated user
    alice.active = False
    session.commit()
    # When she logs in with the right password; then she is refused
    assert authenticate(session, "alice@example.com", PASSWORD) is None


@pytest.mark.parametrize(
    ("email", "role", "password", "message"),
    [
        ("not-an-email", "sales", PASSWORD, "Email: this value is not a valid email address."),
        ("x@example.com", "root", PASSWORD, "Role must be one of: admin, manager, sales, viewer."),
        ("x@example.com", "sales", "short", "Password must be at least 8 characters."),
        ("ALICE@example.com", "sales", PASSWORD, "Email: a user with this email already exists."),
    ],
)
def test_creating_a_user_with_bad_input_is_refused_and_adds_nobody(
    session, alice, email, role, password, message
):
    # When a user is created with bad input
    with pytest.raises(ValidationFailed) as refused:
        create_user(session, email, full_name="X", role=role, password=password)
    # Then the refusal says why, and only Alice exists
    assert refused.value.message == message
    assert session.scalar(select(func.count()).select_from(User)) == 1


@pytest.fixture
def admin(session):
    user = create_user(session, "root@example.com", full_name="Root", role="admin", password=PASSWORD)
    session.commit()
    return user


def _update(session, user, **changes):
    values = {"email": user.email, "full_name": user.full_name, "role": user.role, "active": user.active}
    values.update(changes)
    return update_user(session, user, **values)


def test_editing_a_user_normalises_the_email_and_keeps_the_password_when_none_is_given(session, alice):
    old_hash = alice.password_hash
    _update(session, alice, email="  Alice.New@Example.COM ", full_name=" Alice N ")
    assert (alice.email, alice.full_name, alice.password_hash) == (
        "alice.new@example.com",
        "Alice N",
        old_hash,
    )


def test_a_new_password_on_edit_follows_the_same_policy_as_at_creation(session, alice):
    with pytest.raises(ValidationFailed, match="at least 8 characters"):
        _update(session, alice, password="short")
    _update(session, alice, password="another-horse-43")
    assert authenticate(session, "alice@example.com", "another-horse-43") is alice


def test_an_edit_cannot_take_another_users_email(session, alice, admin):
    with pytest.raises(ValidationFailed, match="already exists"):
        _update(session, alice, email="ROOT@example.com")
    session.rollback()
    assert session.get(User, alice.id).email == "alice@example.com"


@pytest.mark.parametrize("change", [{"role": "manager"}, {"active": False}])
def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(session, admin, alice, change):
    with pytest.raises(ValidationFailed, match="At least one active administrator must remain"):
        _update(session, admin, **change)
    session.rollback()
    assert (admin.role, admin.active) == ("admin", True)


def test_an_admin_may_step_down_once_another_active_admin_exists(session, admin, alice):
    _update(session, alice, role="admin")
    _update(session, admin, role="sales", active=False)
    assert (admin.role, admin.active) == ("sales", False)


def test_an_inactive_admin_does_not_count_as_the_remaining_one(session, admin, alice):
    _update(session, alice, role="admin", active=False)
    with pytest.raises(ValidationFailed, match="At least one active administrator"):
        _update(session, admin, active=False)


def test_set_password_and_deactivate_user_work_for_locked_out_situations(session, admin, alice):
    set_password(session, find_user(session, " ALICE@example.com"), "fresh-horse-44")
    assert authenticate(session, "alice@example.com", "fresh-horse-44") is alice
    deactivate_user(session, alice)
    assert authenticate(session, "alice@example.com", "fresh-horse-44") is None
    with pytest.raises(ValidationFailed, match="No user has the email"):
        find_user(session, "nobody@example.com")
