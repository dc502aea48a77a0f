"""loyalty: referrals (program settings, the referral and its abuse refusals) and each
order's shipping-address key

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 19:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("loyalty_program") as batch:
        batch.add_column(
            sa.Column("referral_points", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column(
                "referral_welcome_value",
                sa.Numeric(precision=10, scale=2),
                nullable=False,
                server_default="5",
            )
        )
    with op.batch_alter_table("shop_order") as batch:
        batch.add_column(sa.Column("shipping_address_key", sa.String(length=64), nullable=True))
    op.create_table(
        "referral",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("referrer_id", BIG_ID, nullable=False),
        sa.Column("friend_id", BIG_ID, nullable=True),
        sa.Column("friend_email_key", sa.String(length=320), nullable=True),
        sa.Column("visitor_key", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("welcome_reward_id", BIG_ID, nullable=True),
        sa.Column("order_shopify_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["referrer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["friend_id"], ["customer.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["welcome_reward_id"], ["loyalty_reward.id"], ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_referral_friend", "referral", ["shop_domain", "friend_email_key"])
    op.create_index("ix_referral_friend_id", "referral", ["friend_id"])
    op.create_index("ix_referral_referrer", "referral", ["referrer_id"])


def downgrade():
    op.drop_index("ix_referral_referrer", table_name="referral")
    op.drop_index("ix_referral_friend_id", table_name="referral")
    op.drop_index("ix_referral_friend", table_name="referral")
    op.drop_table("referral")
    with op.batch_alter_table("shop_order") as batch:
        batch.drop_column("shipping_address_key")
    with op.batch_alter_table("loyalty_program") as batch:
        batch.drop_column("referral_welcome_value")
        batch.drop_column("referral_points")
