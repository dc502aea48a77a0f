"""loyalty: account and signup bonuses, expiry warnings, comeback rewards

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-29 18:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("loyalty_program") as batch:
        batch.add_column(
            sa.Column("account_bonus", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("signup_bonus", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("expiry_warning_days", sa.Integer(), nullable=False, server_default="7")
        )
        batch.add_column(sa.Column("comeback_days", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "comeback_value",
                sa.Numeric(precision=10, scale=2),
                nullable=False,
                server_default="5",
            )
        )
    with op.batch_alter_table("loyalty_reward") as batch:
        batch.add_column(sa.Column("occasion", sa.String(length=120), nullable=True))
        batch.create_unique_constraint("uq_loyalty_reward_occasion", ["shop_domain", "occasion"])


def downgrade():
    with op.batch_alter_table("loyalty_reward") as batch:
        batch.drop_constraint("uq_loyalty_reward_occasion", type_="unique")
        batch.drop_column("occasion")
    with op.batch_alter_table("loyalty_program") as batch:
        batch.drop_column("comeback_value")
        batch.drop_column("comeback_days")
        batch.drop_column("expiry_warning_days")
        batch.drop_column("signup_bonus")
        batch.drop_column("account_bonus")
