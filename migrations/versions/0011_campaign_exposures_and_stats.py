"""campaign exposures (variant or holdout per visitor) and daily impressions and opens

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 23:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "campaign_exposure",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("campaign_id", BIG_ID, nullable=False),
        sa.Column("visitor_key", sa.String(length=64), nullable=False),
        sa.Column("variant_key", sa.String(length=32), nullable=False),
        sa.Column("device", sa.String(length=20), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "visitor_key", name="uq_exposure_visitor"),
    )
    op.create_index("ix_campaign_exposure_shop_domain", "campaign_exposure", ["shop_domain"])
    op.create_index("ix_campaign_exposure_campaign_id", "campaign_exposure", ["campaign_id"])
    op.create_table(
        "campaign_daily_stat",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("campaign_id", BIG_ID, nullable=False),
        sa.Column("variant_key", sa.String(length=32), nullable=False),
        sa.Column("device", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaign.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "variant_key", "device", "day", name="uq_daily_stat"),
    )
    op.create_index("ix_campaign_daily_stat_shop_domain", "campaign_daily_stat", ["shop_domain"])


def downgrade():
    op.drop_index("ix_campaign_daily_stat_shop_domain", table_name="campaign_daily_stat")
    op.drop_table("campaign_daily_stat")
    op.drop_index("ix_campaign_exposure_campaign_id", table_name="campaign_exposure")
    op.drop_index("ix_campaign_exposure_shop_domain", table_name="campaign_exposure")
    op.drop_table("campaign_exposure")
