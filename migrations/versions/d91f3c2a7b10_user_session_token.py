"""users.session_token: every session carries it; replacing it ends the user's sessions

Revision ID: d91f3c2a7b10
Revises: c7e2a9d15f3b
Create Date: 2026-11-30 06:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd91f3c2a7b10'
down_revision = 'c7e2a9d15f3b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')
