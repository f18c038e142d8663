"""Back-office user accounts: creation and password checks (argon2id at OWASP strength)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.errors import ValidationFailed
from models import ROLES, User

# OWASP's argon2id baseline: 19 MiB of memory, 2 iterations, 1 lane.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_PASSWORD_LENGTH = 8
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("orderdesk-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def create_user(session: Session, email: str, *, full_name: str, role: str, password: str) -> User:
    """Create an active back-office user.

    Raises: ValidationFailed for a bad email, an unknown role, a short or reused email/password.
    """
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise ValidationFailed("Email: this value is not a valid email address.", field="email")
    if role not in ROLES:
        raise ValidationFailed(f"Role must be one of: {', '.join(ROLES)}.", field="role")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise ValidationFailed("Email: a user with this email already exists.", field="email")
    user = User(
        email=email,
        full_name=full_name.strip() or email,
        role=role,
        password_hash=hash_password(password),
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the active user with this email and password, else None (never says which failed)."""
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
