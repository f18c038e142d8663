"""webhook_endpoints.previous_secret: the secret Roll secret replaced, valid for a grace period

Revision ID: b8e2d4f6a1c3
Revises: a3d5f7c9e1b2
Create Date: 2026-12-02 03:35:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8e2d4f6a1c3'
down_revision = 'a3d5f7c9e1b2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('webhook_endpoints', sa.Column('previous_secret', sa.String(length=100), nullable=True))
    op.add_column(
        'webhook_endpoints', sa.Column('previous_secret_expires_at', sa.DateTime(timezone=True), nullable=True)
    )


def downgrade():
    with op.batch_alter_table('webhook_endpoints', schema=None) as batch_op:
        batch_op.drop_column('previous_secret_expires_at')
        batch_op.drop_column('previous_secret')
