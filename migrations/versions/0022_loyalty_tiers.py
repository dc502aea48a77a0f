"""loyalty: tiers (program rules, a member's tier and the tag Shopify holds), free-shipping
perks, and refunds kept per refund for spend net of them

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-29 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("loyalty_program") as batch:
        batch.add_column(sa.Column("tiers", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("tier_window_days", sa.Integer(), nullable=False, server_default="365")
        )
    with op.batch_alter_table("loyalty_member") as batch:
        batch.add_column(sa.Column("tier", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("tier_changed_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("tagged_tier", sa.String(length=40), nullable=True))
    with op.batch_alter_table("loyalty_reward") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="amount_off")
        )
    op.create_table(
        "order_refund",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("refund_id", sa.BigInteger(), nullable=False),
        sa.Column("order_shopify_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("refunded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_domain", "refund_id", name="uq_order_refund"),
    )
    op.create_index("ix_order_refund_order", "order_refund", ["shop_domain", "order_shopify_id"])


def downgrade():
    op.drop_index("ix_order_refund_order", table_name="order_refund")
    op.drop_table("order_refund")
    with op.batch_alter_table("loyalty_reward") as batch:
        batch.drop_column("kind")
    with op.batch_alter_table("loyalty_member") as batch:
        batch.drop_column("tagged_tier")
        batch.drop_column("tier_changed_at")
        batch.drop_column("tier")
    with op.batch_alter_table("loyalty_program") as batch:
        batch.drop_column("tier_window_days")
        batch.drop_column("tiers")
