"""orders: the newest-first indexes carry id and the columns of the filters a page tests while
walking them (ship until, total, subtotal, updated at, customer, customer user, owner), so that a page of a filter
matching many orders reads only its own rows from the table; the customer, customer user and
owner indexes carry id and the status, so those filters, alone or with a status, are counted
and paged from the index alone

Revision ID: b6e8d0f2a4c6
Revises: b8e2d4f6a1c3
Create Date: 2026-12-02 04:00:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b6e8d0f2a4c6'
down_revision = 'b8e2d4f6a1c3'
branch_labels = None
depends_on = None

WALKED = [
    'created_at', 'id', 'ship_until', 'total', 'subtotal', 'updated_at', 'customer_id', 'customer_user_id', 'owner_id'
]
BY_PERSON = ('customer_id', 'customer_user_id', 'owner_id')


def upgrade():
    op.create_index('ix_orders_created_walk', 'orders', WALKED, unique=False)
    op.create_index('ix_orders_status_created_walk', 'orders', ['internal_status', *WALKED], unique=False)
    op.drop_index('ix_orders_created_at', table_name='orders')
    op.drop_index('ix_orders_status_created', table_name='orders')
    for column in BY_PERSON:
        name = column.removesuffix('_id')
        op.create_index(
            f'ix_orders_{name}_created_status', 'orders', [column, 'created_at', 'id', 'internal_status'], unique=False
        )
        op.drop_index(f'ix_orders_{name}_created', table_name='orders')


def downgrade():
    for column in BY_PERSON:
        name = column.removesuffix('_id')
        op.create_index(f'ix_orders_{name}_created', 'orders', [column, 'created_at'], unique=False)
        op.drop_index(f'ix_orders_{name}_created_status', table_name='orders')
    op.create_index('ix_orders_status_created', 'orders', ['internal_status', 'created_at'], unique=False)
    op.create_index('ix_orders_created_at', 'orders', ['created_at'], unique=False)
    op.drop_index('ix_orders_status_created_walk', table_name='orders')
    op.drop_index('ix_orders_created_walk', table_name='orders')
