"""assisted selling: draft orders made from live carts, and orders they became

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 23:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "assisted_draft",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("cart_token", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("draft_order_id", sa.String(length=255), nullable=True),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("invoice_url", sa.String(length=2048), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("customer_id", sa.BigInteger(), nullable=True),
        sa.Column("line_items", sa.JSON(), nullable=False),
        sa.Column("discount", sa.JSON(), nullable=False),
        sa.Column("total", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("order_shopify_id", sa.BigInteger(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("invoice_sent_at", sa.DateTime(), nullable=True),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("draft_order_id"),
        sa.UniqueConstraint("shop_domain", "cart_token", name="uq_assisted_cart"),
    )
    op.create_index("ix_assisted_draft_shop_domain", "assisted_draft", ["shop_domain"])
    op.create_index("ix_assisted_draft_order_shopify_id", "assisted_draft", ["order_shopify_id"])
    with op.batch_alter_table("shop_order") as batch:
        batch.add_column(
            sa.Column("assisted", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("shop_order") as batch:
        batch.drop_column("assisted")
    op.drop_index("ix_assisted_draft_order_shopify_id", table_name="assisted_draft")
    op.drop_index("ix_assisted_draft_shop_domain", table_name="assisted_draft")
    op.drop_table("assisted_draft")
