"""The personal-data registry (app/models/personal_data.py) knows every table and column that can
hold a person's data, and customers/redact leaves none of a person's values anywhere: not in a
table, not in Redis (M2)."""

import json
import re
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db, redis_queues
from app.models import (
    AssistedDraft,
    BackfillRun,
    EmailBackfill,
    PlatformConnection,
    SyncTask,
    WebhookDelivery,
)
from app.models.personal_data import REGISTRY
from app.models.types import utcnow
from tests import payloads
from tests.factories import fresh_cart, offer, play, token_for
from tests.shopify_signing import SHOP, bearer, post_webhook, session_token
from workers.sweeper import prune_old_deliveries

# A column name that says the column may hold a person's data.
LOOKS_PERSONAL = re.compile(
    r"email|phone|first_name|last_name|^name$|address|(^|_)ip$|user_agent|visitor|body|"
    r"payload|details|export|error|subject|line_items|_url$|note|tags|content|consent"
)


def test_every_column_that_may_hold_personal_data_is_registered():
    unregistered = []
    for table in db.metadata.sorted_tables:
        entry = REGISTRY.get(table.name)
        known = set(entry.columns + entry.not_personal) if entry else set()
        unregistered += [
            f"{table.name}.{column.name}"
            for column in table.columns
            if LOOKS_PERSONAL.search(column.name) and column.name not in known
        ]
    assert unregistered == [], "say in app/models/personal_data.py what these hold"


def test_the_registry_names_only_columns_that_exist():
    tables = {table.name: set(table.columns.keys()) for table in db.metadata.sorted_tables}
    for name, entry in REGISTRY.items():
        assert set(entry.columns + entry.not_personal) <= tables[name], name


# Values that share no text with each other or with anything else the test plants.
PERSON = {
    "email": "zelda.quill@example.com",
    "first_name": "Philippa",
    "last_name": "Quillfeather",
    "phone": "+15550142977",
    "ip": "198.51.100.231",
    "visitor": "visitor-k7p3x9",
    "cart": "cart-m4n8q2",
}


def plant_everywhere(client, campaign_id, run_worker):
    """The person in every table that can hold them, through the real entry points."""
    db.session.add(
        PlatformConnection(shop_domain=SHOP, platform="mailchimp", api_key="k-us1", list_id="l")
    )
    db.session.commit()
    customer = payloads.customer(
        id=4242,
        email=PERSON["email"],
        first_name=PERSON["first_name"],
        last_name=PERSON["last_name"],
        phone=PERSON["phone"],
    )
    post_webhook(client, "customers/create", customer)
    post_webhook(client, "carts/create", fresh_cart(PERSON["cart"]))
    checkout = payloads.checkout(
        token="ck-zelda", cart_token=PERSON["cart"], email=PERSON["email"], customer_id=4242
    )
    post_webhook(client, "checkouts/create", checkout)
    post_webhook(
        client,
        "orders/create",
        payloads.order(id=7777, cart_token=PERSON["cart"], email=PERSON["email"], customer_id=4242),
    )
    consent = payloads.consent_update(customer_id=4242, email=PERSON["email"])
    post_webhook(client, "customers_email_marketing_consent/update", consent)
    run_worker()
    token = token_for(client, campaign_id, PERSON["visitor"])
    answer = play(
        client,
        campaign_id,
        token,
        email=PERSON["email"],
        visitor=PERSON["visitor"],
        ip=PERSON["ip"],
        cart_token=PERSON["cart"],
        phone=PERSON["phone"],
    )
    assert answer.status_code == 200, answer.get_json()
    # Redis: a rate-limit window holds the IP, a fresh play token the visitor.
    offer(client, campaign_id, PERSON["visitor"])
    made = client.post(
        f"/admin/api/carts/{PERSON['cart']}/draft-order",
        json={"email": PERSON["email"]},
        headers=bearer(session_token()),
    )
    assert made.status_code == 201, made.get_json()
    post_webhook(client, "customers/data_request", payloads.data_request(email=PERSON["email"]))
    run_worker()
    failure = f"Mailchimp: {PERSON['email']} looks fake or invalid"
    db.session.add(EmailBackfill(shop_domain=SHOP, platform="mailchimp", last_error=failure))
    db.session.add(BackfillRun(shop_domain=SHOP, kind="backfill", error=failure))
    db.session.add(
        SyncTask(
            shop_domain=SHOP,
            platform="mailchimp",
            operation="suppress",
            subject=f"{PERSON['email']}|{utcnow().isoformat()}",
            status="dead",
            last_error=failure,
        )
    )
    db.session.commit()


def mentions(values) -> list[str]:
    """Every table.column and Redis key holding any of the values, case-insensitively."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).mappings():
            for column, value in row.items():
                text = json.dumps(value, default=str).lower() if value is not None else ""
                found += [f"{table.name}.{column}: {v}" for v in values if v.lower() in text]
    connection = redis_queues.connection
    for key in connection.scan_iter("*"):
        kind = connection.type(key).decode()
        content = repr(key) + (repr(connection.get(key)) if kind == "string" else "")
        found += [f"redis {key!r}: {v}" for v in values if v.lower() in content.lower()]
    return found


def test_redaction_leaves_nothing_of_the_person_anywhere(client, campaign_id, run_worker, shopify):
    plant_everywhere(client, campaign_id, run_worker)
    values = list(PERSON.values())
    planted = mentions(values)
    for table in ("assisted_draft", "sync_task", "play", "customer", "webhook_delivery", "redis"):
        assert any(found.startswith(table) for found in planted), (table, planted)

    redact = payloads.customer_redact(id=4242, email=PERSON["email"])
    redact["customer"]["phone"] = PERSON["phone"]
    redact["orders_to_redact"] = [7777]
    assert post_webhook(client, "customers/redact", redact).status_code == 200
    run_worker()
    left = mentions(values)
    assert left == [], "\n".join(left)
    # What stays is anonymous: the order's revenue, the play's count, the hashed unsubscribe.
    assert db.session.scalar(select(AssistedDraft.id)) is None
    assert db.session.scalars(select(WebhookDelivery.status)).all()


def test_finished_delivery_bodies_are_pruned_after_the_retention_period(
    client, installed_shop, run_worker, app
):
    installed_shop()
    post_webhook(client, "customers/create", payloads.customer(email="old@example.com"))
    post_webhook(client, "products/update", {"id": 1})  # ignored: a topic Baton never asked for
    run_worker()
    post_webhook(client, "customers/create", payloads.customer(id=5, email="new@example.com"))
    run_worker()
    days = app.config["BATON"].delivery_retention_days
    assert days == 30
    for delivery in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()[
        :2
    ]:
        delivery.received_at = utcnow() - timedelta(days=days, minutes=1)
    db.session.commit()

    assert prune_old_deliveries() == 2
    bodies = db.session.scalars(select(WebhookDelivery.body)).all()
    assert len(bodies) == 1 and "new@example.com" in bodies[0]


def test_a_waiting_delivery_is_never_pruned_however_old(client, installed_shop, app):
    installed_shop()
    post_webhook(client, "customers/create", payloads.customer())
    delivery = db.session.scalar(select(WebhookDelivery))
    delivery.received_at = utcnow() - timedelta(days=365)
    db.session.commit()
    assert prune_old_deliveries() == 0
