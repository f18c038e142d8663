"""Signed webhooks: the endpoints an administrator registers, each event to deliver to one of
them, and every attempt made (the endpoint's delivery log)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Model, UTCDateTime, utcnow

# pending: waiting for its (next) try; delivered: the endpoint answered 2xx; failed: every
# try failed (Re-deliver queues it again).
DELIVERY_STATES = ("pending", "delivered", "failed")


class WebhookEndpoint(Model):
    """Where events go. The secret signs every delivery, so it is kept as is (not a hash);
    so is the previous one during its grace period."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    # After Roll secret, the secret it replaced, valid (deliveries carry a signature with
    # it too) until previous_secret_expires_at.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Event names, e.g. ["order.created", "order.shipped"].
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(Model):
    """One event for one endpoint. Written in the transaction of the change it reports (an
    outbox), then sent by a job; `attempts` counts the tries since it was last queued."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_endpoint_id_id", "endpoint_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    endpoint: Mapped[WebhookEndpoint] = relationship()
    # The event's id: the same for every endpoint told of it, and for each try (receivers
    # use it to ignore a delivery they already have).
    event_id: Mapped[str] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The job sending it; no cascade: the delivery log outlives its jobs.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(order_by="WebhookAttempt.id", viewonly=True)


class WebhookAttempt(Model):
    """One try at a delivery: the status code the endpoint answered, or why there was none."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
