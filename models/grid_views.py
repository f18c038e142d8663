"""Saved grid views: a person's named set of filters, sort, search, page size and columns for
one grid, optionally shared with everyone, and each person's choice of default view."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Model, UTCDateTime, utcnow

if TYPE_CHECKING:
    from models.users import User


class GridView(Model):
    __tablename__ = "grid_views"
    __table_args__ = (
        UniqueConstraint("owner_id", "grid", "name", name="uq_grid_views_owner_grid_name"),
        Index("ix_grid_views_grid_shared", "grid", "shared"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    owner: Mapped[User] = relationship()
    grid: Mapped[str] = mapped_column(String(40))  # "orders"
    name: Mapped[str] = mapped_column(String(80))
    # The list URL's query as [key, value] pairs: flt<N>_<filter>, sort (a column's name, so
    # the view survives a change of columns), desc, search, page_size.
    query: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    columns: Mapped[list[str]] = mapped_column(JSON, default=list)  # in the order shown
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __str__(self) -> str:
        return self.name


class GridViewDefault(Model):
    """Which view a person's grid opens with. Kept apart from the view, since anyone may pick
    a shared view as theirs: a saved view (view_id) or a system one (system_view)."""

    __tablename__ = "grid_view_defaults"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    grid: Mapped[str] = mapped_column(String(40), primary_key=True)
    view_id: Mapped[int | None] = mapped_column(ForeignKey("grid_views.id", ondelete="CASCADE"), index=True)
    system_view: Mapped[str | None] = mapped_column(String(20))
