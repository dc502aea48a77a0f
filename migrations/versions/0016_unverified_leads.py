"""pop-up leads are unverified: a typed email never claims, merges or re-attaches a profile

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 01:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("customer") as batch:
        batch.add_column(
            sa.Column("email_verified", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    # Rows that only a pop-up ever named (no Shopify id, a play, no checkout or order) were
    # made from typed emails.
    op.execute(
        """
        UPDATE customer SET email_verified = false
        WHERE shopify_id IS NULL
          AND EXISTS (SELECT 1 FROM play WHERE play.customer_id = customer.id)
          AND NOT EXISTS (SELECT 1 FROM checkout WHERE checkout.customer_id = customer.id)
          AND NOT EXISTS (SELECT 1 FROM shop_order WHERE shop_order.customer_id = customer.id)
        """
    )


def downgrade():
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("email_verified")
