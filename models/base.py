"""The SQLAlchemy handle, the declarative base and the column types every aggregate shares."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, TypeVar

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, Numeric, String, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Record ids are INTEGER columns, 32-bit on PostgreSQL: a larger number names no record (and
# must not reach the database, which refuses it as out of range).
MAX_ID = 2**31 - 1


def record_id(text: str) -> int | None:
    """The id written in `text`, or None: ASCII digits only ('²' and '٣' are digits to Python
    too), at most MAX_ID. The length is checked before int(), which refuses 4,300+ digits."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)) or int(text) > MAX_ID:
        return None
    return int(text)


# Tables whose rows the API deletes by id: on SQLite a plain INTEGER PRIMARY KEY hands the
# largest id out again once its row is deleted, so the deleted order's URL (and number) would
# name the next order. AUTOINCREMENT never reuses one; PostgreSQL's sequences never do either.
IDS_NEVER_REUSED: dict[str, Any] = {"sqlite_autoincrement": True}


# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model maps a plain table (none maps a join or a select), so Core statements
        # may take `Model.__table__` as one.
        __table__: ClassVar[Table]


db = SQLAlchemy(model_class=Base)

# Flask-SQLAlchemy builds db.Model at run time, so type checkers cannot see it; they are shown
# the declarative base it derives from. Every model inherits `Model`.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def utcnow() -> datetime:
    """Return the current time in UTC (naive datetimes are never stored)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime column that always comes back timezone-aware in UTC, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # Naive values (typed into a filter, say) are taken to be UTC already.
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


E = TypeVar("E", bound=StrEnum)


class StrEnumString(TypeDecorator[E]):
    """A plain string column whose values come back as members of a StrEnum.

    The database sees only the String (no native enum, no CHECK), so the schema and its
    migrations stay as they are; binding accepts members and plain strings alike.
    """

    impl = String
    cache_ok = True

    def __init__(self, enum_class: type[E], length: int) -> None:
        super().__init__(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        # Filters and searches may bind any text (e.g. a LIKE pattern), not only a member.
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_class(value)


# Money never travels as float: four decimals in storage, rounded by currency in actions/.
Money = Annotated[Decimal, mapped_column(Numeric(19, 4))]
CurrencyCode = Annotated[str, mapped_column(String(3))]


class Timestamped:
    """Creation and modification times, set by the database session, never by forms."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
