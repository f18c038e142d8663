"""Personal API tokens: made by their user (or an admin's script), shown once, stored as a
hash, revoked at will. A token acts with its user's role, as long as the user is active."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from actions.errors import DomainError, PermissionDenied, ValidationFailed
from actions.permissions import has_permission
from models import ApiToken, User

# What every token starts with: tells a leaked token for what it is (secret scanners match it).
TOKEN_PREFIX = "odk_"
MAX_NAME = 100
MAX_EXPIRY_DAYS = 3650
# A token's "last used" is written at most this often: a script's every call needs no write.
LAST_USED_EVERY = timedelta(minutes=5)
NOT_VALID = "The API token is missing, unknown, expired or revoked."


class TokenRefused(DomainError):
    code = "token_refused"


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


@dataclass(frozen=True)
class TokenRow:
    """A token as its owner's list shows it: "active", "expired" or "revoked"."""

    token: ApiToken
    status: str

    @property
    def revocable(self) -> bool:
        return self.status != "revoked"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_token(
    session: Session, user: User, *, name: str, expires_days: int | None, now: datetime
) -> NewToken:
    """Make a token for `user`, valid for `expires_days` (None: until revoked).

    Raises: ValidationFailed for an empty or too long name or an expiry out of 1–3650 days;
    DomainError for a deactivated user.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("Give the token a name that says what uses it.", field="name")
    if len(name) > MAX_NAME:
        raise ValidationFailed(f"A token's name has at most {MAX_NAME} characters.", field="name")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise ValidationFailed(
            f"A token expires after 1 to {MAX_EXPIRY_DAYS} days, or never.", field="expires_days"
        )
    if not user.active:
        raise DomainError(f"{user.email} is deactivated and cannot have API tokens.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=_digest(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    return NewToken(token, secret)


def user_tokens(session: Session, user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included (they say when)."""
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
    return list(session.scalars(query))


def token_rows(session: Session, user: User, *, now: datetime) -> list[TokenRow]:
    """The user's tokens, newest first, each with its status at `now`."""
    rows = []
    for token in user_tokens(session, user):
        status = "revoked" if token.revoked_at else "active" if token.usable_at(now) else "expired"
        rows.append(TokenRow(token, status))
    return rows


def revoke_api_token(session: Session, token: ApiToken, *, actor: User, now: datetime) -> None:
    """Stop a token from working, at once.

    Raises: PermissionDenied for someone else's token (admins may revoke any); DomainError
    when it was already revoked.
    """
    if token.user_id != actor.id and not has_permission(actor, "manage_users"):
        raise PermissionDenied("You can revoke only your own API tokens.")
    if token.revoked_at is not None:
        raise DomainError(f"The token {token.name!r} was already revoked.")
    token.revoked_at = now
    session.flush()


def token_user(session: Session, secret: str, *, now: datetime) -> tuple[ApiToken, User]:
    """The token a request presents and the user it acts as; notes when it was last used.

    Raises: TokenRefused for a token that is unknown, expired or revoked, or whose user is
    deactivated (one message for all: it tells a guesser nothing).
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise TokenRefused(NOT_VALID)
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or not token.usable_at(now) or not token.user.active:
        raise TokenRefused(NOT_VALID)
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    return token, token.user
