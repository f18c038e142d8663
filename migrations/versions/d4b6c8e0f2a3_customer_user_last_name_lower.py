"""customer_users: an index on the lower-cased last name, which the order grid's Customer User
filter matches by prefix

Revision ID: d4b6c8e0f2a3
Revises: c2f4a6b8d0e1
Create Date: 2026-12-02 18:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd4b6c8e0f2a3'
down_revision = 'c2f4a6b8d0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_customer_users_last_name_lower', 'customer_users', [sa.text('lower(last_name)')])


def downgrade():
    op.drop_index('ix_customer_users_last_name_lower', table_name='customer_users')
