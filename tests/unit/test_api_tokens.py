"""Personal API tokens: made with a name and an expiry, kept only as a hash, listed with their
status, revoked by their owner or an administrator, and refused once unusable."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from actions.api_tokens import (
    NOT_VALID,
    TokenRefused,
    create_api_token,
    revoke_api_token,
    token_rows,
    token_user,
    user_tokens,
)
from actions.errors import DomainError, PermissionDenied, ValidationFailed
from actions.users import deactivate_user
from models import ApiToken

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def _make(session, user, name="sync", days=None, now=NOW):
    made = create_api_token(session, user, name=name, expires_days=days, now=now)
    session.commit()
    return made


def test_a_token_is_kept_only_as_its_hash_and_a_short_prefix(session, users):
    made = _make(session, users["sales"], name="  Warehouse sync  ", days=90)

    row = session.scalars(select(ApiToken)).one()
    assert made.secret.startswith("odk_") and len(made.secret) > 40
    assert row.token_hash == hashlib.sha256(made.secret.encode()).hexdigest()
    assert made.secret not in (row.token_hash, row.prefix)
    assert made.secret.startswith(row.prefix) and len(row.prefix) == 10
    assert (row.name, row.created_at, row.expires_at) == ("Warehouse sync", NOW, NOW + timedelta(days=90))


def test_two_tokens_never_share_a_secret(session, users):
    assert _make(session, users["sales"]).secret != _make(session, users["sales"]).secret


@pytest.mark.parametrize(
    ("name", "days", "message"),
    [
        ("", None, "Give the token a name"),
        ("   ", 30, "Give the token a name"),
        ("x" * 101, None, "at most 100 characters"),
        ("sync", 0, "1 to 3650 days"),
        ("sync", -5, "1 to 3650 days"),
        ("sync", 3651, "1 to 3650 days"),
    ],
)
def test_a_bad_name_or_expiry_is_refused_and_makes_nothing(session, users, name, days, message):
    with pytest.raises(ValidationFailed, match=message):
        create_api_token(session, users["sales"], name=name, expires_days=days, now=NOW)
    session.rollback()
    assert user_tokens(session, users["sales"]) == []


def test_a_deactivated_user_cannot_get_a_token(session, users):
    deactivate_user(session, users["sales"])
    with pytest.raises(DomainError, match="deactivated"):
        create_api_token(session, users["sales"], name="sync", expires_days=None, now=NOW)


def test_a_token_finds_its_user_and_notes_its_use_at_most_every_five_minutes(session, users):
    made = _make(session, users["viewer"])

    token, user = token_user(session, made.secret, now=NOW)
    assert (token.id, user) == (made.token.id, users["viewer"])
    assert token.last_used_at == NOW
    # A call a minute later writes nothing; one six minutes later does
    token_user(session, made.secret, now=NOW + timedelta(minutes=1))
    assert token.last_used_at == NOW
    token_user(session, made.secret, now=NOW + timedelta(minutes=6))
    assert token.last_used_at == NOW + timedelta(minutes=6)


def test_an_expired_token_is_refused_from_its_expiry_on(session, users):
    made = _make(session, users["viewer"], days=30)
    expiry = NOW + timedelta(days=30)

    assert token_user(session, made.secret, now=expiry - timedelta(seconds=1))[1] == users["viewer"]
    with pytest.raises(TokenRefused, match=NOT_VALID):
        token_user(session, made.secret, now=expiry)


@pytest.mark.parametrize(
    "secret",
    ["", "odk_", "odk_unknown", "no-prefix", "odk_" + "a" * 300],
)
def test_an_unknown_token_is_refused_with_one_message_for_all(session, users, secret):
    _make(session, users["viewer"])
    with pytest.raises(TokenRefused, match=NOT_VALID):
        token_user(session, secret, now=NOW)


def test_a_revoked_token_is_refused_and_cannot_be_revoked_twice(session, users):
    made = _make(session, users["sales"])
    revoke_api_token(session, made.token, actor=users["sales"], now=NOW)
    session.commit()

    with pytest.raises(TokenRefused):
        token_user(session, made.secret, now=NOW)
    with pytest.raises(DomainError, match="already revoked"):
        revoke_api_token(session, made.token, actor=users["sales"], now=NOW)


def test_the_tokens_of_a_deactivated_user_are_refused(session, users):
    made = _make(session, users["sales"])
    deactivate_user(session, users["sales"])
    session.commit()

    with pytest.raises(TokenRefused, match=NOT_VALID):
        token_user(session, made.secret, now=NOW)


def test_only_the_owner_or_an_administrator_may_revoke_a_token(session, users):
    made = _make(session, users["sales"])

    with pytest.raises(PermissionDenied):
        revoke_api_token(session, made.token, actor=users["manager"], now=NOW)
    assert made.token.revoked_at is None
    revoke_api_token(session, made.token, actor=users["admin"], now=NOW)
    assert made.token.revoked_at == NOW


def test_the_token_list_is_the_users_own_newest_first_with_each_status(session, users):
    # Given an active, an expired and a revoked token, and another user's token
    active = _make(session, users["sales"], name="active")
    expired = _make(session, users["sales"], name="expired", days=1, now=NOW - timedelta(days=2))
    revoked = _make(session, users["sales"], name="revoked")
    revoke_api_token(session, revoked.token, actor=users["sales"], now=NOW)
    _make(session, users["viewer"], name="not hers")

    rows = token_rows(session, users["sales"], now=NOW)

    assert [(r.token.name, r.status, r.revocable) for r in rows] == [
        ("revoked", "revoked", False),
        ("expired", "expired", True),
        ("active", "active", True),
    ]
    assert rows[2].token is active.token and rows[1].token is expired.token
