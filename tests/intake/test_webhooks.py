"""Webhook intake through POST /webhooks: verification, dedupe, storage, queueing."""

import base64
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db, redis_queues
from app.intake import NEW_DELIVERIES_KEY
from app.models import DeliveryStatus, Shop, WebhookDelivery
from app.models.types import utcnow
from tests import payloads
from tests.shopify_signing import OTHER_SHOP, SHOP, post_webhook, session_token, webhook_headers
from workers.sweeper import sweep_deliveries

SCOPES_PAYLOAD = {
    "id": 1,
    "previous": ["read_orders"],
    "current": ["read_orders", "read_customers"],
    "updated_at": "2026-11-22T10:00:00Z",
}


def stored() -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def queued_jobs() -> int:
    """Deliveries announced to the workers and not yet picked up."""
    return redis_queues.connection.llen(NEW_DELIVERIES_KEY)


def sweep(grace=timedelta(0)) -> int:
    return sweep_deliveries(redis_queues.queue("webhooks"), grace=grace)


def test_signed_delivery_is_stored_queued_and_processed(client, installed_shop, run_worker):
    shop_id = installed_shop().id
    response = post_webhook(client, "app/scopes_update", SCOPES_PAYLOAD)
    assert response.status_code == 200
    assert response.get_json()["status"] == "received"
    [delivery] = stored()
    assert delivery.topic == "app/scopes_update"
    assert delivery.triggered_at.tzinfo is not None
    assert queued_jobs() == 1
    delivery_id = delivery.id

    run_worker()
    assert db.session.get(WebhookDelivery, delivery_id).status == DeliveryStatus.PROCESSED
    assert db.session.get(Shop, shop_id).scopes == "read_orders,read_customers"


def test_nanosecond_timestamps_are_kept_to_the_microsecond(client, installed_shop):
    installed_shop()
    post_webhook(
        client,
        "app/scopes_update",
        SCOPES_PAYLOAD,
        **{"X-Shopify-Triggered-At": "2026-11-22T10:00:00.123456789Z"},
    )
    assert stored()[0].triggered_at.isoformat() == "2026-11-22T10:00:00.123456+00:00"


def test_forged_hmac_is_refused_and_nothing_is_stored(client, installed_shop):
    installed_shop()
    body = json.dumps(SCOPES_PAYLOAD).encode()
    headers = webhook_headers("app/scopes_update", body, secret="not-the-app-secret")
    response = client.post("/webhooks", data=body, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_hmac"
    assert stored() == []


def test_body_changed_after_signing_is_refused(client, installed_shop):
    installed_shop()
    body = json.dumps(SCOPES_PAYLOAD).encode()
    headers = webhook_headers("app/scopes_update", body)
    response = client.post("/webhooks", data=body.replace(b"read", b"write"), headers=headers)
    assert response.status_code == 401


def test_missing_hmac_is_refused(client):
    response = client.post(
        "/webhooks",
        data=b"{}",
        headers={"X-Shopify-Topic": "app/uninstalled", "X-Shopify-Shop-Domain": SHOP},
    )
    assert response.status_code == 401


def test_duplicate_delivery_makes_one_row_and_one_job(client, installed_shop):
    installed_shop()
    for _ in range(3):
        response = post_webhook(client, "app/scopes_update", SCOPES_PAYLOAD, event_id="evt-1")
        assert response.status_code == 200
    assert len(stored()) == 1
    assert queued_jobs() == 1
    assert response.get_json()["duplicate"] is True


def test_same_event_id_on_another_topic_is_not_a_duplicate(client, installed_shop):
    installed_shop()
    post_webhook(client, "app/scopes_update", SCOPES_PAYLOAD, event_id="evt-shared")
    post_webhook(client, "app/uninstalled", payloads.shop_uninstalled(), event_id="evt-shared")
    assert [row.topic for row in stored()] == ["app/scopes_update", "app/uninstalled"]


def test_malformed_json_with_valid_hmac_is_a_400_stored_nowhere(client, installed_shop):
    installed_shop()
    response = post_webhook(client, "app/scopes_update", b'{"id": 1,')
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_json"
    assert stored() == [] and queued_jobs() == 0


def test_a_session_token_cannot_fill_a_shops_intake(client, installed_shop):
    # M5: a session token's signature is an HMAC of "header.payload" with the app secret, so it
    # verifies as a webhook HMAC over those bytes. Not JSON: refused, and stored under no shop.
    installed_shop()
    header, payload, signature = session_token().split(".")
    digest = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    response = client.post(
        "/webhooks",
        data=f"{header}.{payload}".encode(),
        headers={
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Shop-Domain": OTHER_SHOP,
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        },
    )
    assert response.status_code == 400
    assert stored() == []


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("shop/redact", payloads.shop_redact(OTHER_SHOP)),
        ("customers/redact", payloads.customer_redact(OTHER_SHOP)),
        ("customers/data_request", payloads.data_request(OTHER_SHOP)),
        ("app/uninstalled", payloads.shop_uninstalled(OTHER_SHOP)),
        ("app/uninstalled", {"id": 1}),  # a body that names no shop cannot vouch for one
    ],
)
def test_a_body_for_another_shop_is_refused_and_stored_nowhere(
    client, installed_shop, topic, payload
):
    # M5: the HMAC covers the body, not X-Shopify-Shop-Domain: the body must name the shop.
    installed_shop()
    response = post_webhook(client, topic, payload, shop=SHOP, path="/webhooks/compliance")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "shop_mismatch"
    assert stored() == []


def test_a_body_naming_its_own_shop_in_any_case_is_accepted(client, installed_shop):
    installed_shop()
    body = payloads.shop_redact(SHOP.upper())
    assert post_webhook(client, "shop/redact", body, path="/webhooks/compliance").status_code == 200


def test_json_that_is_not_an_object_is_rejected(client, installed_shop):
    installed_shop()
    assert post_webhook(client, "app/scopes_update", b"[1, 2]").status_code == 400


def test_unknown_shop_is_recorded_acknowledged_and_kept_for_its_install(client, run_worker):
    response = post_webhook(
        client, "app/scopes_update", SCOPES_PAYLOAD, shop="never-installed.myshopify.com"
    )
    assert response.status_code == 200
    run_worker()
    [delivery] = stored()
    assert delivery.status == DeliveryStatus.AWAITING_INSTALL
    assert "never-installed.myshopify.com first opens Baton" in delivery.error


def test_unknown_topic_is_recorded_and_acknowledged(client, installed_shop):
    installed_shop()
    response = post_webhook(client, "products/update", {"id": 1})
    assert response.status_code == 200
    [delivery] = stored()
    assert delivery.status == DeliveryStatus.IGNORED
    assert "not subscribed" in delivery.error


def test_headers_are_matched_whatever_their_case(client, installed_shop):
    installed_shop()
    body = json.dumps(SCOPES_PAYLOAD).encode()
    headers = {
        key.lower(): value for key, value in webhook_headers("app/scopes_update", body).items()
    }
    assert client.post("/webhooks", data=body, headers=headers).status_code == 200
    assert stored()[0].status == DeliveryStatus.RECEIVED


def test_shop_domain_header_must_be_a_myshopify_domain(client):
    response = post_webhook(
        client,
        "app/uninstalled",
        payloads.shop_uninstalled(),
        shop="evil.example.com/.myshopify.com",
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_shop_domain"
    assert stored() == []


def test_oversized_body_is_refused_with_413(client):
    response = post_webhook(client, "app/uninstalled", b"{" + b" " * (6 * 1024 * 1024) + b"}")
    assert response.status_code == 413
    assert stored() == []


def test_redis_down_during_intake_stores_and_the_sweeper_queues_later(
    client, installed_shop, redis_server, run_worker
):
    installed_shop()
    redis_server.stop()
    try:
        response = post_webhook(client, "app/scopes_update", SCOPES_PAYLOAD)
        assert response.status_code == 200
        [delivery] = stored()
        assert delivery.status == DeliveryStatus.RECEIVED
    finally:
        redis_server.start()
    assert queued_jobs() == 0
    delivery_id = delivery.id

    assert sweep(grace=timedelta(minutes=1)) == 0  # still young: left to the normal path
    assert sweep() == 1
    assert sweep() == 1  # queued twice on purpose: the claim lets only one job run it
    run_worker()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    assert delivery.status == DeliveryStatus.PROCESSED
    assert delivery.attempts == 1


def test_sweeper_requeues_a_job_lost_with_redis_contents(client, installed_shop, run_worker):
    installed_shop()
    post_webhook(client, "app/scopes_update", SCOPES_PAYLOAD)
    redis_queues.connection.flushdb()  # what a Redis restart without persistence does
    run_worker()
    assert stored()[0].status == DeliveryStatus.RECEIVED
    assert sweep() == 1
    run_worker()
    assert stored()[0].status == DeliveryStatus.PROCESSED


def test_sweep_command_uses_the_configured_windows(client, installed_shop, runner, run_worker):
    installed_shop()
    post_webhook(client, "app/scopes_update", SCOPES_PAYLOAD)
    post_webhook(client, "app/scopes_update", SCOPES_PAYLOAD)
    redis_queues.connection.flushdb()
    old, claimed = stored()
    # Older than the grace (60 s by default), and claimed before the claim timeout (900 s).
    old.received_at -= timedelta(minutes=2)
    claimed.status, claimed.claimed_at = DeliveryStatus.PROCESSING, utcnow() - timedelta(minutes=16)
    claimed.received_at -= timedelta(minutes=17)
    db.session.commit()
    result = runner.invoke(args=["baton", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "queued 2 deliveries"
    run_worker()
    assert [delivery.status for delivery in stored()] == [DeliveryStatus.PROCESSED] * 2


def test_sweeper_frees_the_claim_of_a_worker_that_died(client, installed_shop, run_worker):
    installed_shop()
    post_webhook(client, "app/scopes_update", SCOPES_PAYLOAD)
    redis_queues.connection.flushdb()
    # A worker claimed it and was killed before finishing.
    delivery = stored()[0]
    delivery.status, delivery.claimed_at = DeliveryStatus.PROCESSING, utcnow() - timedelta(hours=1)
    db.session.commit()
    assert (
        sweep_deliveries(
            redis_queues.queue("webhooks"),
            grace=timedelta(0),
            abandoned_after=timedelta(minutes=15),
        )
        == 1
    )
    run_worker()
    assert stored()[0].status == DeliveryStatus.PROCESSED


def test_compliance_endpoint_takes_the_same_hmac_rule(client):
    body = json.dumps({"shop_id": 1, "shop_domain": SHOP}).encode()
    headers = webhook_headers("shop/redact", body, secret="wrong")
    assert client.post("/webhooks/compliance", data=body, headers=headers).status_code == 401
    response = post_webhook(
        client, "shop/redact", {"shop_id": 1, "shop_domain": SHOP}, path="/webhooks/compliance"
    )
    assert response.status_code == 200
    count = db.session.scalar(select(func.count()).select_from(WebhookDelivery))
    assert count == 1
