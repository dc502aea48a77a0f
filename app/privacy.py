"""GDPR compliance webhooks: record every request and erase what we must."""

import logging

from sqlalchemy import delete, select, update

from app.extensions import db
from app.models import PrivacyRequest, Shop, WebhookDelivery
from app.models.types import utcnow

log = logging.getLogger(__name__)


def record_request(delivery: WebhookDelivery, payload: dict) -> PrivacyRequest:
    """Record a customer data request or redaction; replays return the same row."""
    existing = db.session.scalar(
        select(PrivacyRequest).where(PrivacyRequest.delivery_id == delivery.id)
    )
    if existing is not None:
        return existing
    customer = payload.get("customer") or {}
    request = PrivacyRequest(
        delivery_id=delivery.id,
        shop_domain=delivery.shop_domain,
        kind=delivery.topic,
        shopify_customer_id=_id_text(customer.get("id")),
        email=customer.get("email"),
        details={
            "orders": payload.get("orders_requested") or payload.get("orders_to_redact") or [],
            "data_request_id": _id_text((payload.get("data_request") or {}).get("id")),
        },
    )
    db.session.add(request)
    db.session.flush()
    return request


def redact_shop(delivery: WebhookDelivery, payload: dict) -> None:
    """Erase everything held for a shop 48 hours after it uninstalled; safe to repeat."""
    domain = delivery.shop_domain
    request = record_request(delivery, payload)
    # Other deliveries carry customers' personal data in their bodies; this one does not.
    db.session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.shop_domain == domain, WebhookDelivery.id != delivery.id
        )
    )
    db.session.execute(
        update(PrivacyRequest)
        .where(PrivacyRequest.shop_domain == domain)
        .values(email=None, shopify_customer_id=None)
    )
    db.session.execute(delete(Shop).where(Shop.domain == domain))
    request.status = "done"
    request.completed_at = utcnow()
    db.session.flush()
    log.info("redacted shop %s", domain)


def _id_text(value) -> str | None:
    # Shopify ids exceed 2**53; keep them exact as text whatever JSON type they arrived as.
    return None if value is None else str(value)
