"""loyalty: a shop's points program and each customer's points ledger

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 17:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "loyalty_program",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("points_per_unit", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("first_order_bonus", sa.Integer(), nullable=False),
        sa.Column("expiry_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_domain"),
    )
    op.create_table(
        "points_entry",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("order_shopify_id", sa.BigInteger(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_domain", "idempotency_key", name="uq_points_entry_key"),
    )
    op.create_index("ix_points_entry_customer", "points_entry", ["customer_id", "occurred_at"])
    op.create_index("ix_points_entry_order", "points_entry", ["shop_domain", "order_shopify_id"])


def downgrade():
    op.drop_index("ix_points_entry_order", table_name="points_entry")
    op.drop_index("ix_points_entry_customer", table_name="points_entry")
    op.drop_table("points_entry")
    op.drop_table("loyalty_program")
