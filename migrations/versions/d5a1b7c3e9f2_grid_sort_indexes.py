"""orders: indexes for the grid's sorts by PO number and ship-until date, empty values
sorted as a stand-in ('' and 0001-01-01) then by id, so that pages by key are read in order

Revision ID: d5a1b7c3e9f2
Revises: c8d2e4f6a0b1
Create Date: 2026-11-30 12:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd5a1b7c3e9f2'
down_revision = 'c8d2e4f6a0b1'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_orders_po_number', table_name='orders')
    op.create_index(
        'ix_orders_po_number_sort', 'orders', [sa.text("coalesce(po_number, '')"), 'id'], unique=False
    )
    op.create_index(
        'ix_orders_ship_until_sort', 'orders', [sa.text("coalesce(ship_until, '0001-01-01')"), 'id'], unique=False
    )


def downgrade():
    op.drop_index('ix_orders_ship_until_sort', table_name='orders')
    op.drop_index('ix_orders_po_number_sort', table_name='orders')
    op.create_index('ix_orders_po_number', 'orders', ['po_number'], unique=False)
