"""platform connections no longer store Mailchimp's data center: the key's suffix is it

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 23:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("platform_connection") as batch:
        batch.drop_column("server")


def downgrade():
    with op.batch_alter_table("platform_connection") as batch:
        batch.add_column(sa.Column("server", sa.String(length=20), nullable=True))
