"""orders: indexes for a status filter with a second equality filter (currency, another
status), so the grid's page and its capped count read only the index

Revision ID: a9c1e3f5b7d2
Revises: e7c9a1b3d5f4
Create Date: 2026-11-30 13:15:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a9c1e3f5b7d2'
down_revision = 'e7c9a1b3d5f4'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_orders_status_currency_created': ['internal_status', 'currency', 'created_at'],
    'ix_orders_status_shipping_created': ['internal_status', 'shipping_status', 'created_at'],
    'ix_orders_status_payment_created': ['internal_status', 'payment_status', 'created_at'],
    'ix_orders_shipping_payment_created': ['shipping_status', 'payment_status', 'created_at'],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, 'orders', columns, unique=False)


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name='orders')
