"""dashboard: running totals per day and per customer, and the overdue index

Revision ID: a3d5f7c9e1b2
Revises: a3c5e7f9b1d2
Create Date: 2026-12-01 00:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a3d5f7c9e1b2'
down_revision = 'a3c5e7f9b1d2'
branch_labels = None
depends_on = None

# The totals start from the orders already stored (actions/rollups.py keeps them from then on;
# `flask rebuild-dashboard` computes them again). Amounts are kept in ten-thousandths.
_UNITS = "CAST(ROUND(total * 10000) AS BIGINT)"


def _day_of_creation(dialect):
    if dialect == "postgresql":
        return "CAST(created_at AT TIME ZONE 'UTC' AS DATE)"
    return "date(created_at)"


def upgrade():
    op.create_table('daily_order_totals',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('internal_status', sa.String(length=20), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('total_units', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'currency', 'internal_status', name=op.f('pk_daily_order_totals'))
    )
    op.create_table('customer_revenues',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('total_units', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'],
                            name=op.f('fk_customer_revenues_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('customer_id', 'currency', name=op.f('pk_customer_revenues'))
    )
    with op.batch_alter_table('customer_revenues', schema=None) as batch_op:
        batch_op.create_index('ix_customer_revenues_currency_units', ['currency', 'total_units'])
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(
            'ix_orders_open_ship_until',
            ['ship_until'],
            unique=False,
            sqlite_where=sa.text("internal_status = 'open'"),
            postgresql_where=sa.text("internal_status = 'open'"),
        )

    day = _day_of_creation(op.get_bind().dialect.name)
    op.execute(
        "INSERT INTO daily_order_totals (day, currency, internal_status, orders, total_units) "
        f"SELECT {day}, currency, internal_status, COUNT(*), SUM({_UNITS}) FROM orders "
        f"GROUP BY {day}, currency, internal_status"
    )
    op.execute(
        "INSERT INTO customer_revenues (customer_id, currency, orders, total_units) "
        f"SELECT customer_id, currency, COUNT(*), SUM({_UNITS}) FROM orders "
        "WHERE internal_status <> 'cancelled' GROUP BY customer_id, currency"
    )


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_open_ship_until')
    with op.batch_alter_table('customer_revenues', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_revenues_currency_units')
    op.drop_table('customer_revenues')
    op.drop_table('daily_order_totals')
