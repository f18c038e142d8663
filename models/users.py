"""Back-office users: the people who log in and own orders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Model, UTCDateTime, utcnow

ROLES = ("admin", "manager", "sales", "viewer")


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    full_name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="viewer")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Part of every session of this user: replacing it ends them all (logout, new password,
    # new role, deactivation). None until the first login.
    session_token: Mapped[str | None] = mapped_column(String(64))
    # Two-factor sign-in (TOTP): the shared secret once enrolled, and the last time step a
    # code was accepted for, so that no code is accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The IANA zone every date and time is shown in for this user (None: the site's default).
    time_zone: Mapped[str | None] = mapped_column(String(64))

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_secret is not None

    # The three members Flask-Login reads; spelled out so models/ needs no Flask-Login import.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """What a session remembers of its user: the id and the current session token."""
        return f"{self.id}:{self.session_token}"

    def __str__(self) -> str:
        return self.full_name


class RecoveryCode(Model):
    """One unused two-factor recovery code, kept only as a hash; using it deletes the row."""

    __tablename__ = "user_recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
