"""Every topic, delivered again (Shopify's retry) or re-sent as a new event, has one effect."""

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CouponCode
from app.models.types import utcnow
from tests import payloads
from tests.shopify_signing import SHOP, post_webhook

TOPICS = [
    ("customers/create", payloads.customer()),
    ("customers/update", payloads.customer()),
    ("customers/delete", {"id": payloads.BIG_ID}),
    ("customers_email_marketing_consent/update", payloads.consent_update()),
    ("carts/create", payloads.cart()),
    ("carts/update", payloads.cart()),
    ("checkouts/create", payloads.checkout(visitor="v-9")),
    ("checkouts/update", payloads.checkout(visitor="v-9")),
    ("orders/create", payloads.order(codes=["BATON-R1"])),
    ("orders/paid", payloads.order(codes=["BATON-R1"])),
]


def snapshot() -> dict:
    """Row counts of every profile table and the text of every row, deliveries aside."""
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in ("webhook_delivery", "shop"):
            continue
        rows = db.session.execute(table.select().order_by(*table.primary_key.columns))
        state[table.name] = [
            {key: str(value) for key, value in row.items()} for row in rows.mappings()
        ]
    return state


@pytest.mark.parametrize(("topic", "payload"), TOPICS, ids=[topic for topic, _ in TOPICS])
def test_replays_have_a_single_effect(client, installed_shop, run_worker, topic, payload):
    installed_shop()
    post_webhook(client, "customers/create", payloads.customer())  # someone to act on
    db.session.add(CouponCode(shop_domain=SHOP, code="BATON-R1", issued_at=utcnow()))
    db.session.commit()
    run_worker()

    post_webhook(client, topic, payload, event_id="evt-once")
    run_worker()
    once = snapshot()

    post_webhook(client, topic, payload, event_id="evt-once")  # Shopify's retry
    post_webhook(client, topic, payload)  # the same content as a new event
    run_worker()
    again = snapshot()
    for table, rows in once.items():
        for before, after in zip(rows, again[table], strict=True):
            changed = {
                key: (before[key], after[key]) for key in before if before[key] != after[key]
            }
            assert not changed, f"{table}: {changed}"
    count = db.session.scalar(
        select(func.count())
        .select_from(db.metadata.tables["webhook_delivery"])
        .where(db.metadata.tables["webhook_delivery"].c.topic == topic)
    )
    assert count == (3 if topic == "customers/create" else 2)  # setup sent one create too
