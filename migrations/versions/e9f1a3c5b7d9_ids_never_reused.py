"""SQLite: the tables whose rows the API deletes by id never hand a deleted row's id out again
(AUTOINCREMENT); PostgreSQL's sequences already never do

On SQLite, an INTEGER PRIMARY KEY without AUTOINCREMENT gives a new row the largest id plus
one: once the newest order was deleted, the next order took its id, its URL and its SO- number.
SQLite cannot add AUTOINCREMENT to a table, so each table is built again from its own CREATE
statement (the documented way: new table, copy, drop, rename), with its indexes and triggers.
migrations/env.py turns foreign keys off while migrating SQLite, so that dropping the old table
does not cascade to the rows that reference it, and checks them all before committing.

Revision ID: e9f1a3c5b7d9
Revises: d4b6c8e0f2a3
Create Date: 2026-12-03 16:00:00

"""
import re

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e9f1a3c5b7d9'
down_revision = 'd4b6c8e0f2a3'
branch_labels = None
depends_on = None

TABLES = ('orders', 'special_discounts', 'applied_promotions', 'notes', 'attachments', 'calendar_events')


def _schema_of(table):
    """The table's CREATE statement, and those of its own indexes and triggers."""
    conn = op.get_bind()
    create = conn.execute(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"), {'name': table}
    ).scalar_one()
    extras = conn.execute(
        sa.text(
            "SELECT sql FROM sqlite_master WHERE tbl_name = :name AND type IN ('index', 'trigger')"
            " AND sql IS NOT NULL ORDER BY type, name"
        ),
        {'name': table},
    ).scalars().all()
    return create, extras


def _one_substitution(pattern, replacement, text):
    changed, count = re.subn(pattern, replacement, text)
    if count != 1:
        raise RuntimeError(f'expected one match of {pattern!r}, found {count}, in: {text}')
    return changed


def _with_autoincrement(create, table, new_name):
    """The CREATE statement as SQLAlchemy writes it with sqlite_autoincrement, under new_name."""
    create = _one_substitution(rf'^CREATE TABLE "?{table}"? \(', f'CREATE TABLE {new_name} (', create)
    create = _one_substitution(rf'\s*CONSTRAINT pk_{table} PRIMARY KEY \(id\),', '', create)
    return _one_substitution(r'\bid INTEGER NOT NULL,', 'id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,', create)


def _rebuild(table):
    create, extras = _schema_of(table)
    if 'AUTOINCREMENT' in create:
        return
    new_name = f'{table}_autoincrement'
    op.execute(_with_autoincrement(create, table, new_name))
    op.execute(f'INSERT INTO {new_name} SELECT * FROM {table}')
    op.execute(f'DROP TABLE {table}')
    op.execute(f'ALTER TABLE {new_name} RENAME TO {table}')
    for statement in extras:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name != 'sqlite':
        return
    for table in TABLES:
        _rebuild(table)


def downgrade():
    # Ids that were never reused stay valid without AUTOINCREMENT; nothing to undo.
    pass
