"""orders: the updated_at index carries id and created_at, so that orders updated since a
moment and older than an API cursor are found in that index alone

Revision ID: b3d5f7a9c1e2
Revises: e9f1a3c5b7d9
Create Date: 2026-12-03 19:15:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3d5f7a9c1e2'
down_revision = 'e9f1a3c5b7d9'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index('ix_orders_updated_at', table_name='orders')
    op.create_index('ix_orders_updated_at', 'orders', ['updated_at', 'id', 'created_at'], unique=False)


def downgrade():
    op.drop_index('ix_orders_updated_at', table_name='orders')
    op.create_index('ix_orders_updated_at', 'orders', ['updated_at'], unique=False)
