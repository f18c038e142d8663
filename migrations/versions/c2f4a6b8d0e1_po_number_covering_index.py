"""orders: the PO number index carries the newest-first sort key, id and the number, so that a
common PO prefix's matches are collected and sorted from the index alone

Revision ID: c2f4a6b8d0e1
Revises: b6e8d0f2a4c6
Create Date: 2026-12-02 18:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c2f4a6b8d0e1'
down_revision = 'b6e8d0f2a4c6'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_orders_po_number_lower', table_name='orders')
    op.create_index(
        'ix_orders_po_number_lower', 'orders', [sa.text('lower(po_number)'), 'created_at', 'id', 'po_number']
    )


def downgrade():
    op.drop_index('ix_orders_po_number_lower', table_name='orders')
    op.create_index('ix_orders_po_number_lower', 'orders', [sa.text('lower(po_number)')])
