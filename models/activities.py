"""What people do around an order: notes, attachments, calendar events and emails (SPEC §6)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import IDS_NEVER_REUSED, Model, Timestamped, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.orders import Order
    from models.users import User

EMAIL_STATUSES = ("pending", "sent", "failed")


class OrderActivity:
    """Columns every activity shares: the order it belongs to and who made it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Note(OrderActivity, Timestamped, Model):
    __tablename__ = "notes"
    __table_args__ = IDS_NEVER_REUSED

    body: Mapped[str] = mapped_column(Text)
    author: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return self.body[:60]


class Attachment(OrderActivity, Model):
    __tablename__ = "attachments"
    __table_args__ = IDS_NEVER_REUSED

    # The name the user's file had (shown, never used as a path) and the generated storage name.
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    author: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return self.original_name


class CalendarEvent(OrderActivity, Timestamped, Model):
    __tablename__ = "calendar_events"
    __table_args__ = IDS_NEVER_REUSED

    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    author: Mapped[User | None] = relationship()
    order: Mapped[Order] = relationship()

    def __str__(self) -> str:
        return self.title


class Email(OrderActivity, Model):
    __tablename__ = "emails"

    to: Mapped[str] = mapped_column(String(1000))
    cc: Mapped[str | None] = mapped_column(String(1000))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    # Names and ids of the order attachments that went with it: [{"id": 1, "name": "po.pdf"}]
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(255))
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    author: Mapped[User | None] = relationship()

    def __str__(self) -> str:
        return self.subject
