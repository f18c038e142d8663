"""word search: customer and customer-user names and emails by any word (FTS5 on SQLite, GIN
full-text indexes on PostgreSQL); line SKUs by prefix

Revision ID: e7c9a1b3d5f4
Revises: d5a1b7c3e9f2
Create Date: 2026-11-30 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7c9a1b3d5f4'
down_revision = 'd5a1b7c3e9f2'
branch_labels = None
depends_on = None

# The searched text of each table, as models/search.py declares it.
WORD_COLUMNS = {
    'customers': ('name',),
    'customer_users': ('first_name', 'last_name', 'email'),
}


def _sqlite_statements(source, columns):
    fts = f'{source}_words'
    names = ', '.join(columns)
    new = ', '.join(f'new.{c}' for c in columns)
    old = ', '.join(f'old.{c}' for c in columns)
    insert = f'INSERT INTO {fts} (rowid, {names}) VALUES (new.id, {new});'
    delete = f"INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{source}', content_rowid='id')",
        f'CREATE TRIGGER {fts}_insert AFTER INSERT ON {source} BEGIN {insert} END',
        f'CREATE TRIGGER {fts}_delete AFTER DELETE ON {source} BEGIN {delete} END',
        f'CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {source} BEGIN {delete} {insert} END',
        # The rows already there are indexed once, from the content table.
        f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')",
    ]


def _postgresql_index(source, columns):
    joined = " || ' ' || ".join(columns)
    return (
        f'CREATE INDEX ix_{source}_words ON {source} USING gin '
        f"(to_tsvector('simple'::regconfig, regexp_replace({joined}, '[^[:alnum:]]+', ' ', 'g')))"
    )


def upgrade():
    op.create_index('ix_order_line_items_sku_upper', 'order_line_items', [sa.text('upper(product_sku)')])
    dialect = op.get_bind().dialect.name
    for source, columns in WORD_COLUMNS.items():
        if dialect == 'sqlite':
            for statement in _sqlite_statements(source, columns):
                op.execute(statement)
        elif dialect == 'postgresql':
            op.execute(_postgresql_index(source, columns))


def downgrade():
    dialect = op.get_bind().dialect.name
    for source in WORD_COLUMNS:
        if dialect == 'sqlite':
            for trigger in ('insert', 'delete', 'update'):
                op.execute(f'DROP TRIGGER {source}_words_{trigger}')
            op.execute(f'DROP TABLE {source}_words')
        elif dialect == 'postgresql':
            op.drop_index(f'ix_{source}_words', table_name=source)
    op.drop_index('ix_order_line_items_sku_upper', table_name='order_line_items')
