"""one play per inbox: a key every spelling of an address shares (capitals, +tags, Gmail dots)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 02:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def play_key(email: str) -> str:
    # As app.popups.addresses.play_key on the day this ran; a migration keeps its own copy.
    local, _, domain = email.lower().rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in ("gmail.com", "googlemail.com"):
        return f"{local.replace('.', '')}@gmail.com"
    return f"{local}@{domain}"


def upgrade():
    with op.batch_alter_table("play") as batch:
        batch.add_column(sa.Column("email_key", sa.String(length=320), nullable=True))
    connection = op.get_bind()
    seen = set()
    rows = connection.execute(
        sa.text("SELECT id, campaign_id, email FROM play WHERE email IS NOT NULL ORDER BY id")
    )
    for play_id, campaign_id, email in rows.all():
        key = play_key(email)
        if (campaign_id, key) in seen:
            continue  # an earlier spelling already holds the key; this play keeps none
        seen.add((campaign_id, key))
        connection.execute(
            sa.text("UPDATE play SET email_key = :key WHERE id = :id"), {"key": key, "id": play_id}
        )
    with op.batch_alter_table("play") as batch:
        batch.create_unique_constraint("uq_play_email_key", ["campaign_id", "email_key"])


def downgrade():
    with op.batch_alter_table("play") as batch:
        batch.drop_constraint("uq_play_email_key", type_="unique")
        batch.drop_column("email_key")
