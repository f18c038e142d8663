"""orders.submission_key: the Create Order form's one-time key, so a form sent twice makes one order

Revision ID: f1a7c3d9e2b4
Revises: e4b8f2c61d05
Create Date: 2026-11-30 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'f1a7c3d9e2b4'
down_revision = 'e4b8f2c61d05'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN and a unique index: no table rebuild, however many orders there are.
    op.add_column('orders', sa.Column('submission_key', sa.String(length=64), nullable=True))
    op.create_index('ix_orders_submission_key', 'orders', ['submission_key'], unique=True)


def downgrade():
    op.drop_index('ix_orders_submission_key', table_name='orders')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('submission_key')
