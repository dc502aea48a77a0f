"""orders are found by email: a lead's first order, for journey analytics

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 23:35:00

"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_shop_order_email", "shop_order", ["shop_domain", "email"])


def downgrade():
    op.drop_index("ix_shop_order_email", table_name="shop_order")
