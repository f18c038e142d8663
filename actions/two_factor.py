"""Two-factor sign-in: TOTP codes (RFC 6238) from an authenticator app, and one-time recovery
codes for when the phone is lost.

A code is accepted for one 30-second step either side of now (clock drift) and never twice:
the last accepted step is moved forward by a conditional UPDATE, and a recovery code is
used up by a conditional DELETE, so two requests racing with one code cannot both pass.
Recovery codes are random (50 bits), so a plain SHA-256 keeps them safe at rest.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from enum import StrEnum

import pyotp
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from actions.errors import ValidationFailed
from actions.users import end_sessions
from models import RecoveryCode, User

ISSUER = "OrderDesk"
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i look-alikes
_RECOVERY_HALF = 5
WRONG_CODE = (
    "That code is not valid. Enter the 6-digit code your authenticator app shows now, "
    "or one of your unused recovery codes."
)


class TwoFactorPolicy(StrEnum):
    """Who must use two-factor sign-in (ORDERDESK_REQUIRE_2FA)."""

    OFF = "off"
    ADMIN = "admin"
    ALL = "all"


def two_factor_required(user: User, policy: TwoFactorPolicy) -> bool:
    """Tell whether the policy obliges this user to sign in with a second factor."""
    return policy is TwoFactorPolicy.ALL or (policy is TwoFactorPolicy.ADMIN and user.role == "admin")


def new_secret() -> str:
    """A fresh random TOTP secret (base32, 160 bits) for the user to enrol."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the enrolment QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _normalised(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def _matching_step(secret: str, code: str, now: float | None) -> int | None:
    """The time step (previous, current or next) whose code this is, else None."""
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _code_hash(user: User, code: str) -> str:
    return hashlib.sha256(f"{user.id}:{code}".encode()).hexdigest()


def _new_recovery_codes(session: Session, user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; return them for showing once."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [
        "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(2 * _RECOVERY_HALF))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(user, code)) for code in codes)
    session.flush()
    return [f"{code[:_RECOVERY_HALF]}-{code[_RECOVERY_HALF:]}" for code in codes]


def enrol_two_factor(
    session: Session, user: User, secret: str, code: str, *, now: float | None = None
) -> list[str]:
    """Turn on two-factor sign-in with `secret` once the user proves their app holds it.

    Returns the ten new recovery codes (shown once; only their hashes are kept).
    Raises: ValidationFailed when the code is not the app's current code for this secret.
    """
    step = _matching_step(secret, _normalised(code), now)
    if step is None:
        raise ValidationFailed(
            "That code does not match. Scan the QR code again (or type the key) and enter "
            "the 6-digit code your app shows now.",
            field="code",
        )
    user.totp_secret = secret
    user.totp_last_step = step
    return _new_recovery_codes(session, user)


def verify_second_factor(session: Session, user: User, code: str, *, now: float | None = None) -> None:
    """Accept a current authenticator code (each only once) or an unused recovery code (which
    is used up).

    Raises: ValidationFailed when the code is wrong or already used, or the user has no
    two-factor sign-in.
    """
    code = _normalised(code)
    if user.totp_secret is None:
        raise ValidationFailed(WRONG_CODE, field="code")
    step = _matching_step(user.totp_secret, code, now)
    if step is not None:
        moved = session.execute(
            update(User)
            .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
        )
        if moved.rowcount == 1:  # type: ignore[attr-defined]
            return
    elif len(code) == 2 * _RECOVERY_HALF:
        used = session.execute(
            delete(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(user, code)
            )
        )
        if used.rowcount == 1:  # type: ignore[attr-defined]
            return
    raise ValidationFailed(WRONG_CODE, field="code")


def remaining_recovery_codes(session: Session, user: User) -> int:
    """How many unused recovery codes the user has left."""
    return session.scalar(select(func.count()).where(RecoveryCode.user_id == user.id)) or 0


def regenerate_recovery_codes(session: Session, user: User, code: str) -> list[str]:
    """Replace the user's recovery codes (the old ones stop working) after a valid code.

    Raises: ValidationFailed when the user has no two-factor sign-in or the code is wrong.
    """
    verify_second_factor(session, user, code)
    return _new_recovery_codes(session, user)


def turn_off_two_factor(session: Session, user: User, code: str, *, policy: TwoFactorPolicy) -> None:
    """Let a user stop using two-factor sign-in, proving it is them with a valid code.

    Raises: ValidationFailed when the policy requires it for this user or the code is wrong.
    """
    if two_factor_required(user, policy):
        raise ValidationFailed("Two-factor sign-in is required for your account; it cannot be turned off.")
    verify_second_factor(session, user, code)
    _clear(session, user)


def reset_two_factor(session: Session, user: User) -> User:
    """Remove a user's two-factor sign-in (lost phone): their sessions end, and they set it up
    again at the next login if it is required.

    Raises: ValidationFailed when the user has no two-factor sign-in to reset.
    """
    if not user.two_factor_enabled:
        raise ValidationFailed(f"{user.email} has no two-factor sign-in to reset.")
    _clear(session, user)
    end_sessions(user)
    session.flush()
    return user


def reset_two_factor_of_users(session: Session, users: list[User]) -> list[User]:
    """Reset two-factor sign-in for each of these users who has it; return those reset.

    Raises: nothing; users without it are left as they are (the caller reports them).
    """
    reset = [user for user in users if user.two_factor_enabled]
    for user in reset:
        reset_two_factor(session, user)
    return reset


def _clear(session: Session, user: User) -> None:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    user.totp_secret = None
    user.totp_last_step = None
