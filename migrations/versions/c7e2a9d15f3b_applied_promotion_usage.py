"""applied promotions remember whose coupon use they hold and whether it was released

Revision ID: c7e2a9d15f3b
Revises: a4d84f4548b2
Create Date: 2026-11-26 10:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7e2a9d15f3b'
down_revision = 'a4d84f4548b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('applied_promotions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_user_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('use_released', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(
            batch_op.f('fk_applied_promotions_customer_user_id_customer_users'),
            'customer_users', ['customer_user_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('applied_promotions', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_applied_promotions_customer_user_id_customer_users'),
            type_='foreignkey')
        batch_op.drop_column('use_released')
        batch_op.drop_column('customer_user_id')
