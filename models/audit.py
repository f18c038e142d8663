"""The audit trail: who changed what, when, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.orders import Order
    from models.users import User


class AuditEntry(Model):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_entity", "entity_type", "entity_id", "id"),
        # The audit log's filters by user and by action, newest first.
        Index("ix_audit_entries_actor", "actor_id", "id"),
        Index("ix_audit_entries_action", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int] = mapped_column(Integer)
    # The order the change belongs to, so an order's history includes its lines and discounts.
    order_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The order's number when the change was made; kept after the order is deleted, so the
    # audit log finds a deleted order's rows by its number.
    order_identifier: Mapped[str | None] = mapped_column(String(32), index=True)
    # What a person calls the changed thing: the line's SKU, the discount's description, the
    # tracking number, the promotion's name, the order's number.
    entity_label: Mapped[str | None] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(32))
    # {field: [old, new]} for updates; a snapshot {field: value} for creates and deletes.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    # The order while it exists (None once deleted); read-only, order_id is no foreign key so
    # the rows outlive the order.
    order: Mapped[Order | None] = relationship(
        primaryjoin="foreign(AuditEntry.order_id) == Order.id", viewonly=True
    )

    def __str__(self) -> str:
        return f"{self.action} {self.entity_type} #{self.entity_id}"
