"""sync tasks wait for their next attempt, so a batch can skip the ones backing off

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 23:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sync_task") as batch:
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("sync_task") as batch:
        batch.drop_column("next_attempt_at")
