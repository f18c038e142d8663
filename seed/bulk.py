"""Bulk inserts for the volume demo: rows as tuples, straight to the driver.

SQLAlchemy's executemany builds and processes one parameter dict per row; at millions of rows
that costs more than the database's own work. Here each row is a tuple in a fixed column
order, converted once by the columns' own bind processors (so SQLite gets exactly the floats
and date strings SQLAlchemy would send), then handed to the driver in one call:
`executemany` on SQLite, `COPY … FROM STDIN` on PostgreSQL (psycopg). Any other database
takes SQLAlchemy's ordinary executemany.

`bulk_load` relaxes SQLite's durability for the length of the seed (no fsync, a big page
cache) and puts the connection's settings back afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, Dialect, Table, insert, text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from models.base import UTCDateTime

# SQLite settings while the demo loads: no fsync; a page cache of 512 MiB (negative: KiB) so
# B-trees stay in memory; two sorter threads for building indexes; and no foreign-key
# lookups per row (the rows are made from ids just read, and tests check them).
BULK_PRAGMAS = {"synchronous": 0, "cache_size": -512 * 1024, "threads": 2, "foreign_keys": 0}


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def fast_processor(column_type: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """SQLite: the text SQLAlchemy stores for a date or a UTC datetime, made by isoformat()
    (5× faster than its formatting; tests/unit/test_seed.py checks they agree). Else None."""
    if dialect.name != "sqlite":
        return None
    if isinstance(column_type, UTCDateTime):
        return _sqlite_utc
    if type(column_type) is Date:
        return _sqlite_date
    return None


def _row_converter(processors: dict[int, Callable[[Any], Any]], width: int) -> Callable[[tuple], tuple]:
    """A function converting one row: one straight-line expression, no loop per value."""
    items = ", ".join(f"p{i}(row[{i}])" if i in processors else f"row[{i}]" for i in range(width))
    namespace: dict[str, Any] = {f"p{i}": p for i, p in processors.items()}
    exec(f"def convert(row):\n    return ({items},)\n", namespace)  # noqa: S102 - built from indexes only
    convert: Callable[[tuple], tuple] = namespace["convert"]
    return convert


class BulkInsert:
    """INSERT of many rows of `columns` (tuples in that order) into `table`.

    `convert` (pure, no connection: it may run in another process) turns rows into what the
    driver takes; `write` sends converted rows.
    """

    def __init__(self, session: Session, table: Table, columns: Sequence[str]) -> None:
        dialect = session.get_bind().dialect
        self.dialect = dialect.name
        self.table = table
        self.columns = tuple(columns)
        quote = dialect.identifier_preparer
        target = quote.format_table(table)
        names = ", ".join(quote.quote(name) for name in self.columns)
        if self.dialect == "sqlite":
            self.sql = f"INSERT INTO {target} ({names}) VALUES ({', '.join('?' * len(self.columns))})"
        elif self.dialect == "postgresql" and dialect.driver == "psycopg":
            self.sql = f"COPY {target} ({names}) FROM STDIN"
        else:
            self.sql = ""
        processors = {}
        for index, name in enumerate(self.columns):
            column_type = table.c[name].type
            processor = fast_processor(column_type, dialect) or column_type.dialect_impl(
                dialect
            ).bind_processor(dialect)
            if processor is not None:
                processors[index] = processor
        # Another database gets the rows as they are, for SQLAlchemy to process.
        self._convert = _row_converter(processors, len(self.columns)) if processors and self.sql else None

    def convert(self, rows: list[tuple]) -> list[tuple]:
        convert = self._convert
        return [convert(row) for row in rows] if convert else rows

    def write(self, session: Session, values: Sequence[tuple]) -> None:
        if not values:
            return
        connection = session.connection()
        if not self.sql:  # another database: SQLAlchemy's executemany
            connection.execute(
                insert(self.table), [dict(zip(self.columns, row, strict=True)) for row in values]
            )
            return
        driver = connection.connection.driver_connection
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            if self.dialect == "sqlite":
                cursor.executemany(self.sql, values)
            else:
                with cursor.copy(self.sql) as copy:
                    for row in values:
                        copy.write_row(row)
        finally:
            cursor.close()

    def __call__(self, session: Session, rows: list[tuple]) -> None:
        self.write(session, self.convert(rows))


def resync_sequences(session: Session, tables: Sequence[str]) -> None:
    """PostgreSQL: move the tables' id sequences past ids assigned here (SQLite needs nothing)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        )


@contextmanager
def bulk_load(session: Session) -> Iterator[Callable[[], None]]:
    """SQLite: BULK_PRAGMAS for the seed, then the settings as they were.

    Yields a function to call after each commit: a commit may hand the session another pooled
    connection, which gets the same settings (and has them put back at the end). Commit
    before leaving the block (a failure rolls back). Other databases: nothing changes.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield lambda: None
        return
    touched: dict[int, tuple[Any, dict[str, int]]] = {}

    def relax() -> None:
        driver: Any = session.connection().connection.driver_connection
        if id(driver) in touched:
            return
        touched[id(driver)] = (driver, {k: driver.execute(f"PRAGMA {k}").fetchone()[0] for k in BULK_PRAGMAS})
        for pragma, value in BULK_PRAGMAS.items():
            driver.execute(f"PRAGMA {pragma}={value}")

    relax()
    try:
        yield relax
    except BaseException:
        session.rollback()  # settings like foreign_keys cannot change inside a transaction
        raise
    finally:
        for driver, settings in touched.values():
            for pragma, value in settings.items():
                driver.execute(f"PRAGMA {pragma}={int(value)}")


def secondary_indexes(session: Session, tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the tables' indexes that no constraint depends on, as the
    database has them (migrations may spell them differently from the models)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        marks = ", ".join(f":t{i}" for i in range(len(tables)))
        query = text(
            "SELECT name, sql FROM sqlite_master "
            f"WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ({marks}) ORDER BY name"
        )
        rows = session.execute(query, {f"t{i}": t for i, t in enumerate(tables)})
        return [(str(name), str(create)) for name, create in rows]
    if dialect == "postgresql":
        query = text(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "WHERE t.relname = ANY(:tables) AND t.relnamespace = current_schema()::regnamespace "
            "AND NOT x.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
            "ORDER BY i.relname"
        )
        rows = session.execute(query, {"tables": list(tables)})
        return [(str(name), str(create)) for name, create in rows]
    return []


@contextmanager
def indexes_set_aside(session: Session, tables: Sequence[str], *, enabled: bool = True) -> Iterator[None]:
    """Drop the tables' secondary indexes for a bulk load and build them again afterwards,
    also when the load fails: one sort per index instead of one B-tree insert per row and
    index (orders have about twenty). Commits. With `enabled` false, does nothing."""
    indexes = secondary_indexes(session, tables) if enabled else []
    quote = session.get_bind().dialect.identifier_preparer.quote
    for name, _create in indexes:
        session.connection().exec_driver_sql(f"DROP INDEX {quote(name)}")
    session.commit()
    try:
        yield
    finally:
        session.rollback()  # what a failure left of the current transaction
        # Read the catalog again first: the connection the session holds now may be another
        # pooled one, and SQLite checks a CREATE against that connection's cached schema,
        # which still lists the dropped indexes until a read refreshes it.
        present = {name for name, _create in secondary_indexes(session, tables)}
        for name, create in indexes:
            if name not in present:
                session.connection().exec_driver_sql(create)
        session.commit()
