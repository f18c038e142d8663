"""Back-office user accounts: creation and password checks (argon2id at OWASP strength)."""

from __future__ import annotations

import hmac
import secrets
from functools import cache
from zoneinfo import available_timezones

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.errors import ValidationFailed
from models import ROLES, User

# OWASP's argon2id baseline: 19 MiB of memory, 2 iterations, 1 lane.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MIN_PASSWORD_LENGTH = 8
MAX_EMAIL_LENGTH = 255
# Verified against when the email is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("orderdesk-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _checked_email(session: Session, email: str, *, other_than: User | None = None) -> str:
    """The email as stored (trimmed, lower case). Raises: ValidationFailed if bad or taken."""
    email = (email or "").strip().lower()
    local, _, domain = email.partition("@")
    if not local or not domain or " " in email or len(email) > MAX_EMAIL_LENGTH:
        raise ValidationFailed("Email: this value is not a valid email address.", field="email")
    taken = select(User.id).where(func.lower(User.email) == email)
    if other_than is not None:
        taken = taken.where(User.id != other_than.id)
    if session.scalar(taken) is not None:
        raise ValidationFailed("Email: a user with this email already exists.", field="email")
    return email


def _checked_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    return password


def _checked_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationFailed(f"Role must be one of: {', '.join(ROLES)}.", field="role")
    return role


def create_user(
    session: Session, email: str, *, full_name: str, role: str, password: str, active: bool = True
) -> User:
    """Create a back-office user (active unless said otherwise).

    Raises: ValidationFailed for a bad email, an unknown role, a short password, a taken email.
    """
    email = _checked_email(session, email)
    role = _checked_role(role)
    user = User(
        email=email,
        full_name=full_name.strip() or email,
        role=role,
        password_hash=hash_password(_checked_password(password)),
        active=active,
    )
    session.add(user)
    session.flush()
    return user


def _is_last_active_admin(session: Session, user: User) -> bool:
    others = select(func.count()).where(User.role == "admin", User.active.is_(True), User.id != user.id)
    return user.role == "admin" and user.active and not session.scalar(others)


def update_user(
    session: Session,
    user: User,
    *,
    email: str,
    full_name: str,
    role: str,
    active: bool,
    password: str | None = None,
) -> User:
    """Change a user's account; an empty password keeps the current one.

    Raises: ValidationFailed for a bad or taken email, an unknown role, a short password, or a
    change that would leave no active administrator (demoting or deactivating the last one,
    also oneself); nothing changes then.
    """
    email = _checked_email(session, email, other_than=user)
    role = _checked_role(role)
    if password:
        _checked_password(password)
    if (role != "admin" or not active) and _is_last_active_admin(session, user):
        raise ValidationFailed(
            "At least one active administrator must remain: make another user an active administrator first.",
            field="role",
        )
    if password or role != user.role or not active:
        end_sessions(user)  # a new password, role or a deactivation takes effect at once
    user.email = email
    user.full_name = full_name.strip() or email
    user.role = role
    user.active = active
    if password:
        user.password_hash = hash_password(password)
    session.flush()
    return user


def session_token_for(user: User) -> str:
    """The token a new session of the user carries (made at the first login)."""
    if user.session_token is None:
        user.session_token = secrets.token_hex(32)
    return user.session_token


def end_sessions(user: User) -> None:
    """End every session of the user: the token they carry no longer matches."""
    user.session_token = secrets.token_hex(32)


def session_user(session: Session, remembered: str) -> User | None:
    """The active user a session names ("<id>:<token>"), or None when the session has ended."""
    user_id, _, token = remembered.partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or len(user_id) > 18 or not token:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.active or user.session_token is None:
        return None
    return user if hmac.compare_digest(user.session_token, token) else None


@cache
def _known_time_zones() -> frozenset[str]:
    """The IANA time zones of this machine, read once per process: reading them walks the
    time zone folders (about 30 ms)."""
    return frozenset(available_timezones())


def time_zones() -> list[str]:
    """Every IANA time zone a user may choose, sorted."""
    return sorted(_known_time_zones())


def is_time_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone of this machine ('Europe/Paris', 'UTC')."""
    return name in _known_time_zones()


def check_time_zone(name: str) -> str:
    """Raises: ValidationFailed unless `name` is an IANA time zone ('Europe/Paris', 'UTC')."""
    if not is_time_zone(name):
        raise ValidationFailed(
            f"{name[:64]!r} is not a time zone; choose one from the list.", field="time_zone"
        )
    return name


def set_time_zone(session: Session, user: User, name: str | None) -> User:
    """Show the user every date and time in this zone (None or '': the site's default).

    Raises: ValidationFailed for a name that is not an IANA time zone.
    """
    user.time_zone = check_time_zone(name) if name else None
    session.flush()
    return user


def find_user(session: Session, email: str) -> User:
    """Raises: ValidationFailed when no user has this email."""
    user = session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None:
        raise ValidationFailed(f"No user has the email {email.strip()!r}.", field="email")
    return user


def set_password(session: Session, user: User, password: str) -> User:
    """Give a user a new password, ending their sessions. Raises: ValidationFailed for a short
    password."""
    user.password_hash = hash_password(_checked_password(password))
    end_sessions(user)
    session.flush()
    return user


def deactivate_user(session: Session, user: User) -> User:
    """Stop a user from logging in. Raises: ValidationFailed for the last active administrator."""
    return update_user(
        session, user, email=user.email, full_name=user.full_name, role=user.role, active=False
    )


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
