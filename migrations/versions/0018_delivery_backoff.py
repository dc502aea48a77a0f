"""a released delivery waits for its next attempt instead of coming back every sweep

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-29 02:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("webhook_delivery") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("webhook_delivery") as batch:
        batch.drop_column("next_attempt_at")
