"""codes expire in Shopify: one discount per prize and issue day, with the lot's endsAt

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 00:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "prize_discount",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("prize_id", BIG_ID, nullable=True),
        sa.Column("lot_key", sa.String(length=32), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=True),
        sa.Column("shopify_id", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["prize_id"], ["prize.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prize_id", "lot_key", name="uq_prize_discount_lot"),
    )
    op.create_index("ix_prize_discount_prize_id", "prize_discount", ["prize_id"])
    with op.batch_alter_table("coupon_code") as batch:
        batch.add_column(sa.Column("discount_id", BIG_ID, nullable=True))
        batch.add_column(sa.Column("shopify_id", sa.String(length=255), nullable=True))
        batch.create_foreign_key(
            "fk_coupon_code_discount", "prize_discount", ["discount_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_coupon_code_discount_status", ["discount_id", "status"])
    # Each prize's one discount becomes a lot. It has no endsAt, so for a prize whose codes
    # expire it is a "legacy" lot no play takes from: the worker withdraws its unissued codes.
    op.execute(
        """
        INSERT INTO prize_discount (shop_domain, prize_id, lot_key, shopify_id, status, created_at)
        SELECT campaign.shop_domain, prize.id,
               CASE WHEN prize.code_expiry_days IS NULL THEN 'open' ELSE 'legacy' END,
               prize.shopify_discount_id, 'open', CURRENT_TIMESTAMP
        FROM prize JOIN campaign ON campaign.id = prize.campaign_id
        WHERE prize.shopify_discount_id IS NOT NULL
        """
    )
    op.execute(
        """
        UPDATE coupon_code SET discount_id = (
            SELECT prize_discount.id FROM prize_discount
            WHERE prize_discount.prize_id = coupon_code.prize_id
        )
        WHERE prize_id IS NOT NULL
        """
    )
    with op.batch_alter_table("prize") as batch:
        batch.drop_column("shopify_discount_id")


def downgrade():
    with op.batch_alter_table("prize") as batch:
        batch.add_column(sa.Column("shopify_discount_id", sa.String(length=255), nullable=True))
    op.execute(
        """
        UPDATE prize SET shopify_discount_id = (
            SELECT shopify_id FROM prize_discount
            WHERE prize_discount.prize_id = prize.id ORDER BY prize_discount.id DESC LIMIT 1
        )
        """
    )
    with op.batch_alter_table("coupon_code") as batch:
        batch.drop_index("ix_coupon_code_discount_status")
        batch.drop_constraint("fk_coupon_code_discount", type_="foreignkey")
        batch.drop_column("shopify_id")
        batch.drop_column("discount_id")
    op.drop_index("ix_prize_discount_prize_id", table_name="prize_discount")
    op.drop_table("prize_discount")
