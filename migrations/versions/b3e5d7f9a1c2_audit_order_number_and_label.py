"""audit_entries: the order's number and the changed thing's name, kept with each row; indexes
for the audit log's search by order number and filters by user and action

Revision ID: b3e5d7f9a1c2
Revises: f1a7c3d9e2b4
Create Date: 2026-11-30 09:30:00

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b3e5d7f9a1c2"
down_revision = "f1a7c3d9e2b4"
branch_labels = None
depends_on = None

# The column that names each audited kind of row, as actions/audit.py entity_label() does.
NAME_FIELDS = {
    "Order": "identifier",
    "OrderLineItem": "product_sku",
    "SpecialDiscount": "description",
    "ShippingTracking": "number",
    "AppliedPromotion": "promotion_name",
}


def upgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("order_identifier", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("entity_label", sa.String(length=255), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_audit_entries_order_identifier"), ["order_identifier"], unique=False
        )
        batch_op.create_index("ix_audit_entries_actor", ["actor_id", "id"], unique=False)
        batch_op.create_index("ix_audit_entries_action", ["action", "id"], unique=False)
    _backfill()


def _backfill():
    """Existing rows: the number of the order where it still exists, else the one its create
    or delete snapshot kept; the name from the snapshot of the row's object."""
    conn = op.get_bind()
    audit = sa.table(
        "audit_entries",
        sa.column("id", sa.Integer),
        sa.column("entity_type", sa.String),
        sa.column("entity_id", sa.Integer),
        sa.column("order_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("changes", sa.Text),
        sa.column("order_identifier", sa.String),
        sa.column("entity_label", sa.String),
    )
    orders = sa.table("orders", sa.column("id", sa.Integer), sa.column("identifier", sa.String))
    conn.execute(
        audit.update()
        .where(audit.c.order_id.isnot(None))
        .values(
            order_identifier=sa.select(orders.c.identifier)
            .where(orders.c.id == audit.c.order_id)
            .scalar_subquery()
        )
    )
    deleted_numbers = {}
    names = {}
    snapshots = conn.execute(
        sa.select(audit.c.entity_type, audit.c.entity_id, audit.c.action, audit.c.changes)
        .where(audit.c.action.in_(("create", "delete")))
        .order_by(audit.c.id)
    )
    for row in snapshots:
        changes = json.loads(row.changes) if isinstance(row.changes, str) else (row.changes or {})
        field = NAME_FIELDS.get(row.entity_type)
        if field and changes.get(field):
            names[(row.entity_type, row.entity_id)] = str(changes[field])[:255]
        if row.entity_type == "Order" and row.action == "delete" and changes.get("identifier"):
            deleted_numbers[row.entity_id] = str(changes["identifier"])[:32]
    if deleted_numbers:
        conn.execute(
            audit.update()
            .where(audit.c.order_id == sa.bindparam("b_order_id"), audit.c.order_identifier.is_(None))
            .values(order_identifier=sa.bindparam("b_number")),
            [{"b_order_id": key, "b_number": value} for key, value in deleted_numbers.items()],
        )
    if names:
        conn.execute(
            audit.update()
            .where(
                audit.c.entity_type == sa.bindparam("b_type"),
                audit.c.entity_id == sa.bindparam("b_id"),
            )
            .values(entity_label=sa.bindparam("b_label")),
            [{"b_type": key[0], "b_id": key[1], "b_label": value} for key, value in names.items()],
        )


def downgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_action")
        batch_op.drop_index("ix_audit_entries_actor")
        batch_op.drop_index(batch_op.f("ix_audit_entries_order_identifier"))
        batch_op.drop_column("entity_label")
        batch_op.drop_column("order_identifier")
