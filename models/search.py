"""Word search over customer names and customer users (the order grid's search box, DESIGN §6).

Codes (order, PO and SKU numbers) are found by the prefix of the whole value; names and emails
by the prefix of any of their words, so a middle word of a company name or a part of an email
finds them. Each database gets its own text index, and this module is the only place that
writes either: on SQLite an external-content FTS5 table per searched table, kept current by
triggers in the transaction that changes the row; on PostgreSQL a GIN index on
to_tsvector('simple', …).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import (
    DDL,
    Boolean,
    ColumnElement,
    Index,
    Table,
    event,
    false,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy import table as table_clause
from sqlalchemy.dialects.postgresql import to_tsquery, to_tsvector
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal

from models.customers import Customer, CustomerUser
from models.dialect import in_ids
from models.orders import OrderLineItem

# The runs of letters and digits in a text: what both indexes split names and emails into.
_PIECES = re.compile(r"[^\W_]+")
# The same split in PostgreSQL, applied to the indexed text before to_tsvector, so that an
# email or a dotted name is words there too ('amy.morris@acme.test' -> amy morris acme test).
_PG_SPLIT = "'[^[:alnum:]]+'"
_SIMPLE = text("'simple'::regconfig")

# SKUs are codes: a prefix of the whole SKU, whatever its case, served by this index.
Index("ix_order_line_items_sku_upper", func.upper(OrderLineItem.product_sku))


def word_pieces(word: str) -> list[str]:
    """The letters-and-digits runs of a typed word, lower-cased ('Acme.test' -> acme, test).

    Everything else is dropped, so no quote, star, minus, colon or bracket typed in the search
    box ever reaches the text index as query syntax."""
    return _PIECES.findall(word.lower())


class WordIndex:
    """The text index over some text columns of one table, searched by word prefix."""

    def __init__(self, table: Table, columns: tuple[str, ...]) -> None:
        self.table = table
        self.columns = columns
        self.fts_name = f"{table.name}_words"
        self.pg_vector = to_tsvector(_SIMPLE, self._pg_text())
        Index(f"ix_{table.name}_words", self.pg_vector, postgresql_using="gin").ddl_if(dialect="postgresql")
        for statement in self.sqlite_ddl():
            event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
        event.listen(
            table, "before_drop", DDL(f"DROP TABLE IF EXISTS {self.fts_name}").execute_if(dialect="sqlite")
        )

    def _pg_text(self) -> ColumnElement[str]:
        joined: ColumnElement[str] = self.table.c[self.columns[0]]
        for name in self.columns[1:]:
            joined = joined.op("||")(text("' '")).op("||")(self.table.c[name])
        return func.regexp_replace(joined, text(_PG_SPLIT), text("' '"), text("'g'"))

    def sqlite_ddl(self) -> list[str]:
        """The FTS5 table over the columns and the triggers that keep it in step with the rows."""
        fts, source = self.fts_name, self.table.name
        columns = ", ".join(self.columns)
        new = ", ".join(f"new.{c}" for c in self.columns)
        old = ", ".join(f"old.{c}" for c in self.columns)
        insert = f"INSERT INTO {fts} (rowid, {columns}) VALUES (new.id, {new});"
        delete = f"INSERT INTO {fts} ({fts}, rowid, {columns}) VALUES ('delete', old.id, {old});"
        return [
            f"CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content='{source}', content_rowid='id')",
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {source} BEGIN {insert} END",
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {source} BEGIN {delete} END",
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {columns} ON {source} BEGIN {delete} {insert} END",
        ]

    def match(self, id_column: Any, word: str) -> ColumnElement[bool]:
        """`id_column` is the id of a row having a word that starts with `word` (a dotted or
        hyphenated word: those words in a row, the last one by prefix)."""
        pieces = word_pieces(word)
        return _WordMatch(id_column, self, pieces) if pieces else false()


class _WordMatch(ColumnElement[bool]):
    """`id_column IN (ids from the text index)`: both databases' forms are built here, and the
    one of the database at hand is compiled. Built as ordinary expressions, with the words as
    bound values, so that a statement holding one is compiled once and then reused from
    SQLAlchemy's cache like any other (compiling a search's statements anew cost each search
    page about 7 ms)."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [
        ("sqlite_form", InternalTraversal.dp_clauseelement),
        ("postgresql_form", InternalTraversal.dp_clauseelement),
    ]
    # An IN is a condition already: without this, SQLite would be sent `(… IN (…)) = 1`, which
    # no index serves, and the whole orders table would be read.
    _is_implicitly_boolean = True

    def __init__(self, id_column: Any, index: WordIndex, pieces: list[str]) -> None:
        fts = index.fts_name
        # A quoted FTS5 string holds no syntax; '*' after it makes its last token a prefix.
        phrase = '"' + " ".join(pieces) + '"*'
        self.sqlite_form = id_column.in_(
            select(literal_column("rowid"))
            .select_from(table_clause(fts))
            .where(literal_column(fts).op("MATCH")(phrase))
        )
        # Pieces are letters and digits only, so they carry no tsquery syntax of their own.
        query = " <-> ".join(pieces) + ":*"
        matches = index.pg_vector.op("@@")(to_tsquery(_SIMPLE, query))
        self.postgresql_form = in_ids(id_column, select(index.table.c.id).where(matches))


@compiles(_WordMatch, "sqlite")
def _compile_fts5(element: _WordMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.sqlite_form, **kw)


@compiles(_WordMatch, "postgresql")
def _compile_tsquery(element: _WordMatch, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.postgresql_form, **kw)


CUSTOMER_WORDS = WordIndex(Customer.__table__, ("name",))
CUSTOMER_USER_WORDS = WordIndex(CustomerUser.__table__, ("first_name", "last_name", "email"))


def is_word_index_table(name: str) -> bool:
    """True for the FTS5 tables (and their shadow tables), which the models do not declare."""
    return any(
        name == i.fts_name or name.startswith(i.fts_name + "_") for i in (CUSTOMER_WORDS, CUSTOMER_USER_WORDS)
    )
