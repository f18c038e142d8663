"""saved grid views and each user's default view

Revision ID: a3c5e7f9b1d2
Revises: 0bf8e8cd4a5c
Create Date: 2026-12-01 00:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c5e7f9b1d2'
down_revision = '0bf8e8cd4a5c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('grid_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('grid', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('query', sa.JSON(), nullable=False),
    sa.Column('columns', sa.JSON(), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_grid_views_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_views')),
    sa.UniqueConstraint('owner_id', 'grid', 'name', name='uq_grid_views_owner_grid_name')
    )
    with op.batch_alter_table('grid_views', schema=None) as batch_op:
        batch_op.create_index('ix_grid_views_grid_shared', ['grid', 'shared'], unique=False)

    op.create_table('grid_view_defaults',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('grid', sa.String(length=40), nullable=False),
    sa.Column('view_id', sa.Integer(), nullable=True),
    sa.Column('system_view', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grid_view_defaults_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['view_id'], ['grid_views.id'], name=op.f('fk_grid_view_defaults_view_id_grid_views'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'grid', name=op.f('pk_grid_view_defaults'))
    )
    with op.batch_alter_table('grid_view_defaults', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_view_defaults_view_id'), ['view_id'], unique=False)


def downgrade():
    with op.batch_alter_table('grid_view_defaults', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_view_defaults_view_id'))

    op.drop_table('grid_view_defaults')
    with op.batch_alter_table('grid_views', schema=None) as batch_op:
        batch_op.drop_index('ix_grid_views_grid_shared')

    op.drop_table('grid_views')
