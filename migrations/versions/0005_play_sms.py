"""pop-up plays keep the optional SMS number and its consent

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 22:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("play") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=20), nullable=True))
        batch.add_column(
            sa.Column("sms_consented", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade():
    with op.batch_alter_table("play") as batch:
        batch.drop_column("sms_consented")
        batch.drop_column("phone")
