"""email platforms: connections, the sync outbox (dead letters), suppressions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 22:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "platform_connection",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("shop_domain", sa.String(255), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("api_key", sa.Text(), nullable=False),
        sa.Column("list_id", sa.String(64), nullable=False),
        sa.Column("list_name", sa.String(255)),
        sa.Column("server", sa.String(20)),
        sa.Column("double_optin", sa.Boolean(), nullable=False),
        sa.Column("webhook_secret", sa.Text()),
        sa.Column("last_synced_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("shop_domain", "platform", name="uq_connection_platform"),
    )
    op.create_index("ix_platform_connection_shop_domain", "platform_connection", ["shop_domain"])
    op.create_table(
        "sync_task",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("shop_domain", sa.String(255), nullable=False),
        sa.Column("platform", sa.String(20), nullable=False),
        sa.Column("operation", sa.String(30), nullable=False),
        sa.Column("subject", sa.String(320), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime()),
        sa.UniqueConstraint(
            "shop_domain", "platform", "operation", "subject", name="uq_sync_task"
        ),
    )
    op.create_index("ix_sync_task_shop_domain", "sync_task", ["shop_domain"])
    op.create_index("ix_sync_task_status", "sync_task", ["status"])
    op.create_table(
        "email_suppression",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("shop_domain", sa.String(255), nullable=False),
        sa.Column("email_hash", sa.String(64), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(120), nullable=False),
        sa.Column("suppressed_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("shop_domain", "email_hash", name="uq_suppression_email"),
    )
    op.create_index("ix_email_suppression_shop_domain", "email_suppression", ["shop_domain"])


def downgrade():
    op.drop_table("email_suppression")
    op.drop_table("sync_task")
    op.drop_table("platform_connection")
