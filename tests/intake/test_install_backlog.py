"""Deliveries that arrive before a shop's first admin load are kept, then processed once."""

from datetime import timedelta

import responses
from sqlalchemy import func, select

from app.extensions import db, redis_queues
from app.intake import NEW_DELIVERIES_KEY
from app.models import Customer, DeliveryStatus, Order, TimelineEvent, WebhookDelivery
from app.models.types import utcnow
from tests import payloads
from tests.shopify_signing import SHOP, post_webhook, session_token
from workers.sweeper import prune_old_deliveries

EARLY_DELIVERIES = [
    ("customers/create", payloads.customer(), "evt-customer"),
    ("checkouts/create", payloads.checkout(), "evt-checkout"),
    ("orders/create", payloads.order(), "evt-order"),
    ("orders/paid", payloads.order(updated_at="2026-11-22T10:11:00-05:00"), "evt-paid"),
]


def token_exchange():
    """Shopify's token endpoint, answering the first admin load's token exchange."""
    return responses.post(
        f"https://{SHOP}/admin/oauth/access_token",
        json={
            "access_token": "shpat_first_load",
            "scope": "read_customers,read_orders",
            "expires_in": 3600,
            "refresh_token": "shprt_first_load",
            "refresh_token_expires_in": 7776000,
        },
    )


def statuses() -> dict[str, str]:
    rows = db.session.execute(select(WebhookDelivery.topic, WebhookDelivery.status)).all()
    return dict(rows)


def deliver_early(client) -> None:
    for topic, payload, event_id in EARLY_DELIVERIES:
        assert post_webhook(client, topic, payload, event_id=event_id).status_code == 200
    # Shopify retries one of them: still one row.
    post_webhook(client, "orders/create", payloads.order(), event_id="evt-order")


@responses.activate
def test_deliveries_before_the_first_admin_load_are_processed_once_installed(client, run_worker):
    deliver_early(client)
    run_worker()
    assert set(statuses().values()) == {DeliveryStatus.AWAITING_INSTALL}
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0

    exchange = token_exchange()
    page = client.get(f"/app?shop={SHOP}&host=abc&embedded=1&id_token={session_token()}")
    assert page.status_code == 200 and len(exchange.calls) == 1
    # Released and announced at once, not left for the sweeper's next round.
    assert redis_queues.connection.llen(NEW_DELIVERIES_KEY) == len(EARLY_DELIVERIES)

    run_worker()
    assert set(statuses().values()) == {DeliveryStatus.PROCESSED}
    [customer] = db.session.scalars(select(Customer)).all()
    assert customer.email == "ana@example.com"
    [order] = db.session.scalars(select(Order)).all()
    assert order.customer_id == customer.id
    kinds = db.session.scalars(select(TimelineEvent.kind)).all()
    assert len(kinds) == len(set(kinds)), f"an effect happened twice: {kinds}"

    # A later admin load releases nothing more and processes nothing twice.
    client.get(f"/app?shop={SHOP}&host=abc&embedded=1&id_token={session_token()}")
    run_worker()
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_deliveries_of_a_shop_that_never_installs_are_purged_after_retention(
    client, run_worker, app
):
    deliver_early(client)
    run_worker()
    retention = timedelta(days=app.config["BATON"].awaiting_install_days)
    old = db.session.scalars(select(WebhookDelivery).limit(2)).all()
    for delivery in old:
        delivery.received_at = utcnow() - retention - timedelta(minutes=1)
    db.session.commit()

    assert prune_old_deliveries() == 2
    assert len(statuses()) == len(EARLY_DELIVERIES) - 2
    assert set(statuses().values()) == {DeliveryStatus.AWAITING_INSTALL}


def test_compliance_requests_for_unknown_shops_are_not_kept_waiting(client, run_worker):
    post_webhook(
        client,
        "customers/redact",
        {
            "shop_domain": SHOP,
            "customer": {"id": 1, "email": "a@example.com"},
            "orders_to_redact": [],
        },
    )
    run_worker()
    assert statuses() == {"customers/redact": DeliveryStatus.PROCESSED}
