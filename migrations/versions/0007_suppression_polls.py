"""klaviyo connections remember how far their suppression poll has read

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 23:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("platform_connection") as batch:
        batch.add_column(sa.Column("suppressions_read_until", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("suppressions_polled_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("platform_connection") as batch:
        batch.drop_column("suppressions_polled_at")
        batch.drop_column("suppressions_read_until")
