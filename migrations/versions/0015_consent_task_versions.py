"""every consent change is its own sync task: subjects carry the change's time

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 01:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("sync_task") as batch:
        batch.alter_column(
            "subject", type_=sa.String(length=400), existing_type=sa.String(length=320)
        )


def downgrade():
    with op.batch_alter_table("sync_task") as batch:
        batch.alter_column(
            "subject", type_=sa.String(length=320), existing_type=sa.String(length=400)
        )
