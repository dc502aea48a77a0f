"""loyalty: the program's reward, members (referral code, redemption lock) and reward codes

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-29 18:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("loyalty_program") as batch:
        batch.add_column(
            sa.Column("reward_points", sa.Integer(), nullable=False, server_default="500")
        )
        batch.add_column(
            sa.Column(
                "reward_value",
                sa.Numeric(precision=10, scale=2),
                nullable=False,
                server_default="5",
            )
        )
        batch.add_column(
            sa.Column("reward_expiry_days", sa.Integer(), nullable=False, server_default="30")
        )
    op.create_table(
        "loyalty_member",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("referral_code", sa.String(length=16), nullable=False),
        sa.Column("last_redeemed_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("customer_id", name="uq_loyalty_member_customer"),
        sa.UniqueConstraint("shop_domain", "referral_code", name="uq_loyalty_member_referral"),
    )
    op.create_table(
        "loyalty_reward",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("customer_id", BIG_ID, nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("value", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("shopify_id", sa.String(length=255), nullable=True),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shop_domain", "code", name="uq_loyalty_reward_code"),
    )
    op.create_index("ix_loyalty_reward_customer", "loyalty_reward", ["customer_id", "created_at"])


def downgrade():
    op.drop_index("ix_loyalty_reward_customer", table_name="loyalty_reward")
    op.drop_table("loyalty_reward")
    op.drop_table("loyalty_member")
    with op.batch_alter_table("loyalty_program") as batch:
        batch.drop_column("reward_expiry_days")
        batch.drop_column("reward_value")
        batch.drop_column("reward_points")
