"""The one place that knows which database it talks to: connection settings per dialect."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, Date, Engine, Select, Table, cast, event, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import Executable
from sqlalchemy.sql.visitors import InternalTraversal


def normalize_database_url(url: str) -> str:
    """Accept the common 'postgres://' spellings and pick the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# PostgreSQL's cost of reading a random page, for OrderDesk's own connections. The default
# (4, a spinning disk's) makes the planner read the orders table rather than a wide index that
# holds every column a query needs (the grid's walk indexes): the capped count of open orders
# over 1,000 read 10,001 rows from the table in 14 ms instead of the index alone in 2.5 ms.
# 1.1 is the figure PostgreSQL's documentation gives for solid-state or cached storage.
POSTGRESQL_RANDOM_PAGE_COST = 1.1


def configure_engine(engine: Engine) -> None:
    """Turn on SQLite's foreign keys and write-ahead log; on PostgreSQL, price random reads as
    solid-state storage does."""
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _postgresql_costs(dbapi_connection: Any, _record: Any) -> None:
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f"SET random_page_cost = {POSTGRESQL_RANDOM_PAGE_COST}")
            dbapi_connection.commit()  # else the pool's first rollback would undo it

        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


# SQLite's default busy handler retries a locked write every 100 ms once it has waited a
# while; a writer that leaves the database free for less than that between transactions can
# make the others wait past their busy timeout ("database is locked").
SQLITE_WRITER_PAUSE = 0.12


def writer_pause(engine: Engine) -> float:
    """Seconds a long-running writer (a job worker between two chunks) leaves the database
    free, so that other writers get their turn: SQLite's lock is not fair; PostgreSQL's row
    locks are, and need no pause."""
    return SQLITE_WRITER_PAUSE if engine.dialect.name == "sqlite" else 0.0


def insert_ignoring_duplicates(
    table: Table, values: dict[str, Any], conflict_columns: Sequence[str], dialect_name: str
) -> Executable:
    """Build an INSERT that does nothing when a row with the same unique key exists.

    Both SQLite (3.24+) and PostgreSQL spell it `ON CONFLICT (…) DO NOTHING`; a concurrent
    insert of the same key waits for the other transaction instead of failing.
    Raises: NotImplementedError for any other database.
    """
    if dialect_name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return (
            sqlite_insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=list(conflict_columns))
        )
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict_columns))
    raise NotImplementedError(f"insert-or-ignore is not written for {dialect_name}")


def upsert_adding(
    table: Table, key_columns: Sequence[str], added_columns: Sequence[str], dialect_name: str
) -> Executable:
    """Build an INSERT that, when a row with the same key exists, adds the new values to its
    columns instead (`ON CONFLICT (…) DO UPDATE SET c = c + excluded.c`), to run with a list of
    rows. The addition happens in the database, so concurrent writers never lose a change.

    Raises: NotImplementedError for any database but SQLite and PostgreSQL.
    """
    if dialect_name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    elif dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert  # type: ignore[assignment]
    else:
        raise NotImplementedError(f"upsert is not written for {dialect_name}")
    statement = dialect_insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={name: table.c[name] + statement.excluded[name] for name in added_columns},
    )


def utc_day(moment: ColumnElement[Any] | InstrumentedAttribute[Any], dialect_name: str) -> ColumnElement[Any]:
    """The UTC calendar day of a stored moment, for GROUP BY: SQLite stores UTC text, read by
    date(); PostgreSQL a timestamptz, moved to UTC before the cast (else the session's zone).

    Raises: NotImplementedError for any database but SQLite and PostgreSQL.
    """
    if dialect_name == "sqlite":
        return func.date(moment)
    if dialect_name == "postgresql":
        return cast(func.timezone("UTC", moment), Date)
    raise NotImplementedError(f"utc_day is not written for {dialect_name}")


class _InIds(ColumnElement[bool]):
    """`column IN (ids)`, written so that each database can serve it from an index inside an OR."""

    type = Boolean()
    # Cached as any statement is (SQLAlchemy keeps compiled statements per database): the key is
    # built from these two parts, and their bound values are the statement's parameters.
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]
    _is_implicitly_boolean = True  # SQLite: never `(… IN (…)) = 1`, which no index serves

    def __init__(self, column: Any, ids: Select[Any]) -> None:
        self.column = column
        self.ids = ids


def in_ids(column: Any, ids: Select[Any]) -> ColumnElement[bool]:
    """`column` is one of the ids the one-column `ids` query selects.

    PostgreSQL cannot combine an `IN (subquery)` with the other branches of an OR through their
    indexes (it reads the whole table, testing each row), but it can an `= ANY(ARRAY(subquery))`,
    whose array it builds once: the grid's search box uses one of these per field."""
    return _InIds(column, ids)


@compiles(_InIds)
def _compile_in(element: _InIds, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.in_(element.ids), **kw)


@compiles(_InIds, "postgresql")
def _compile_any_array(element: _InIds, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    ids = compiler.process(element.ids.scalar_subquery(), **kw)  # "(SELECT …)"
    return f"{column} = ANY(ARRAY{ids})"


class _Unindexed(ColumnElement[Any]):
    """A column's value, written so that SQLite does not pick the column's index for it."""

    inherit_cache = True
    _traverse_internals = [("value", InternalTraversal.dp_clauseelement)]

    def __init__(self, value: Any) -> None:
        self.value = value
        self.type = value.type


def unindexed(value: Any) -> ColumnElement[Any]:
    """`value` as a condition inside a query that must be served by another index.

    SQLite chooses an index by rules, not by how many rows a range holds: for "updated this week
    and older than the cursor" it walks half a million created_at entries rather than the
    ninety thousand of updated_at. Its unary `+` changes no value (and drops no bound parameter's
    type: dates are text, money is REAL on both sides) but hides the index. PostgreSQL chooses
    by the ranges' statistics, so it gets the value as it is."""
    return _Unindexed(value)


@compiles(_Unindexed)
def _compile_as_is(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.value, **kw)


@compiles(_Unindexed, "sqlite")
def _compile_unary_plus(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.value, **kw)
