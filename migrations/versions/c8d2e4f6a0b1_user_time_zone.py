"""users.time_zone: the zone each user reads dates and times in

Revision ID: c8d2e4f6a0b1
Revises: b3e5d7f9a1c2
Create Date: 2026-11-30 09:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c8d2e4f6a0b1'
down_revision = 'b3e5d7f9a1c2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
