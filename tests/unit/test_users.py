"""Back-office accounts: argon2id hashes, and authentication that never says which part failed."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from actions.errors import ValidationFailed
from actions.users import authenticate, create_user
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
