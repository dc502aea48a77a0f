"""app/uninstalled, app/scopes_update and the compliance topics, end to end through the worker."""

from sqlalchemy import func, select

from app.extensions import db
from app.models import DeliveryStatus, PrivacyRequest, Shop, WebhookDelivery
from tests import payloads
from tests.shopify_signing import SHOP, post_webhook

REDACT_CUSTOMER = {
    "shop_id": 954889,
    "shop_domain": SHOP,
    "customer": {"id": 9223372036854775807, "email": "ana@example.com", "phone": None},
    "orders_to_redact": [299938, 280263],
}


def test_uninstall_forgets_tokens_and_is_safe_twice(client, installed_shop, run_worker):
    shop_id = installed_shop().id
    post_webhook(client, "app/uninstalled", payloads.shop_uninstalled())
    post_webhook(client, "app/uninstalled", payloads.shop_uninstalled())  # a second event id
    run_worker()
    shop = db.session.get(Shop, shop_id)
    assert shop.uninstalled_at is not None
    assert shop.access_token is None and shop.refresh_token is None
    statuses = db.session.scalars(select(WebhookDelivery.status)).all()
    assert statuses == [DeliveryStatus.PROCESSED, DeliveryStatus.PROCESSED]


def test_uninstall_older_than_the_current_install_is_ignored(client, installed_shop, run_worker):
    shop_id = installed_shop().id
    post_webhook(
        client,
        "app/uninstalled",
        payloads.shop_uninstalled(),
        **{"X-Shopify-Triggered-At": "2020-01-01T00:00:00Z"},
    )
    run_worker()
    assert db.session.get(Shop, shop_id).is_installed


def test_deliveries_after_uninstall_do_not_fail(client, installed_shop, run_worker):
    installed_shop()
    post_webhook(client, "app/uninstalled", payloads.shop_uninstalled())
    run_worker()
    post_webhook(client, "app/scopes_update", {"current": ["read_orders"]})
    run_worker()
    statuses = db.session.scalars(select(WebhookDelivery.status)).all()
    assert DeliveryStatus.FAILED not in statuses


def test_customer_redact_is_recorded_once_with_the_exact_id(client, installed_shop, run_worker):
    installed_shop()
    for _ in range(2):  # Shopify's retry of the same event
        post_webhook(
            client,
            "customers/redact",
            REDACT_CUSTOMER,
            event_id="redact-1",
            path="/webhooks/compliance",
        )
    run_worker()
    [request] = db.session.scalars(select(PrivacyRequest)).all()
    assert (request.kind, request.status) == ("customers/redact", "done")
    assert request.details["orders"] == [299938, 280263]
    # Once done, even the request keeps nothing that identifies the person.
    assert request.shopify_customer_id is None and request.email is None


def test_data_request_with_null_fields_is_recorded(client, installed_shop, run_worker):
    installed_shop()
    payload = {
        "shop_id": 1,
        "shop_domain": SHOP,
        "orders_requested": None,
        "customer": {"id": 5, "email": None, "phone": None},
        "data_request": {"id": 77},
    }
    post_webhook(client, "customers/data_request", payload, path="/webhooks/compliance")
    run_worker()
    [request] = db.session.scalars(select(PrivacyRequest)).all()
    assert request.details == {"orders": [], "data_request_id": "77"}
    assert db.session.scalar(select(WebhookDelivery.status)) == DeliveryStatus.PROCESSED


def test_shop_redact_erases_the_shop_and_its_deliveries(client, installed_shop, run_worker):
    installed_shop()
    other = installed_shop("other-store.myshopify.com").domain
    post_webhook(client, "customers/redact", REDACT_CUSTOMER, path="/webhooks/compliance")
    post_webhook(client, "app/scopes_update", {"current": []}, shop=other)
    run_worker()
    post_webhook(
        client, "shop/redact", {"shop_id": 954889, "shop_domain": SHOP}, path="/webhooks/compliance"
    )
    run_worker()

    assert db.session.scalar(select(Shop).where(Shop.domain == SHOP)) is None
    bodies = db.session.scalars(select(WebhookDelivery.body)).all()
    assert not any("ana@example.com" in body for body in bodies)
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(PrivacyRequest)
            .where(PrivacyRequest.email.is_not(None))
        )
        == 0
    )
    # The other shop is untouched.
    assert db.session.scalar(select(Shop).where(Shop.domain == other)) is not None
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.shop_domain == other)
        )
        == 1
    )
