"""sync tasks remember the Mailchimp batch they went out in; email backfills record progress

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 23:15:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("sync_task") as batch:
        batch.add_column(sa.Column("vendor_batch_id", sa.String(length=64), nullable=True))
        batch.create_index("ix_sync_task_vendor_batch_id", ["vendor_batch_id"])
    op.create_table(
        "email_backfill",
        sa.Column(
            "id",
            BIG_ID,
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("shop_domain", sa.String(length=255), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("subscribed", sa.Integer(), nullable=False),
        sa.Column("held_back", sa.Integer(), nullable=False),
        sa.Column("cursor", BIG_ID, nullable=False),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_email_backfill_shop_domain", "email_backfill", ["shop_domain"])


def downgrade():
    op.drop_index("ix_email_backfill_shop_domain", table_name="email_backfill")
    op.drop_table("email_backfill")
    with op.batch_alter_table("sync_task") as batch:
        batch.drop_index("ix_sync_task_vendor_batch_id")
        batch.drop_column("vendor_batch_id")
