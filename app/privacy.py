"""GDPR compliance webhooks: record every request, export on demand, erase what we must."""

import logging

from sqlalchemy import delete, or_, select, update

from app import erasure
from app.emails import normalise_email
from app.extensions import db, redis_queues
from app.models import (
    Cart,
    Checkout,
    CouponCode,
    Customer,
    Order,
    Play,
    PrivacyRequest,
    Shop,
    TimelineEvent,
    WebhookDelivery,
)
from app.models.types import utcnow
from app.shopify.payloads import shopify_id
from app.shopify.webhook_payloads import ComplianceRequest

log = logging.getLogger(__name__)
# Kept by shop/redact: the redaction's own record (anonymised) and its delivery.
KEPT_AFTER_SHOP_REDACT = {"privacy_request", "webhook_delivery", "shop"}


def record_request(delivery: WebhookDelivery, payload: ComplianceRequest) -> PrivacyRequest:
    """Record a compliance request; replays return the same row."""
    existing = db.session.scalar(
        select(PrivacyRequest).where(PrivacyRequest.delivery_id == delivery.id)
    )
    if existing is not None:
        return existing
    request = PrivacyRequest(
        delivery_id=delivery.id,
        shop_domain=delivery.shop_domain,
        kind=delivery.topic,
        shopify_customer_id=payload.customer_id,
        email=normalise_email(payload.email),
        details={"orders": payload.orders, "data_request_id": payload.data_request_id},
    )
    db.session.add(request)
    db.session.flush()
    return request


def export_customer(delivery: WebhookDelivery, payload: ComplianceRequest) -> PrivacyRequest:
    """customers/data_request: gather everything stored about the customer for the merchant."""
    request = record_request(delivery, payload)
    if request.status == "done":
        return request
    customers = _customers(delivery.shop_domain, request)
    request.export = {
        "shop": delivery.shop_domain,
        "generated_at": utcnow().isoformat(),
        "customers": [_customer_export(customer, _order_ids(request)) for customer in customers],
    }
    _complete(request)
    return request


def redact_customer(delivery: WebhookDelivery, payload: ComplianceRequest) -> PrivacyRequest:
    """customers/redact: erase the person from every table and key; anonymise what stays."""
    request = record_request(delivery, payload)
    shop = delivery.shop_domain
    subject = erasure.gather(
        shop,
        shopify_id(request.shopify_customer_id),
        request.email,
        _phone(payload),
        _order_ids(request),
    )
    erasure.erase(subject)
    # The requests themselves carry the email and any export made for it.
    db.session.execute(
        update(PrivacyRequest)
        .where(
            PrivacyRequest.shop_domain == shop,
            or_(
                PrivacyRequest.email.in_(subject.emails),
                PrivacyRequest.shopify_customer_id == request.shopify_customer_id,
            ),
        )
        .values(email=None, shopify_customer_id=None, export=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(request)
    _complete(request)
    log.info("redacted %d profiles for a customers/redact on %s", len(subject.customer_ids), shop)
    return request


def redact_shop(delivery: WebhookDelivery, payload: ComplianceRequest) -> None:
    """shop/redact, 48 hours after uninstall: erase everything held for the shop."""
    domain = delivery.shop_domain
    request = record_request(delivery, payload)
    # Every table that names the shop, children first; a new table is covered by being one.
    for table in reversed(db.metadata.sorted_tables):
        if "shop_domain" in table.c and table.name not in KEPT_AFTER_SHOP_REDACT:
            db.session.execute(delete(table).where(table.c.shop_domain == domain))
    # Other deliveries carry customers' personal data in their bodies; this one does not.
    db.session.execute(
        delete(WebhookDelivery).where(
            WebhookDelivery.shop_domain == domain, WebhookDelivery.id != delivery.id
        )
    )
    db.session.execute(
        update(PrivacyRequest)
        .where(PrivacyRequest.shop_domain == domain)
        .values(email=None, shopify_customer_id=None, export=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(Shop).where(Shop.domain == domain))
    _forget_shop_in_redis(domain)
    db.session.refresh(request)
    _complete(request)
    log.info("redacted shop %s", domain)


def _forget_shop_in_redis(domain: str) -> None:
    connection = redis_queues.connection
    for key in connection.scan_iter(match=f"baton:*{domain}*", count=500):
        connection.delete(key)


def _customers(shop: str, request: PrivacyRequest) -> list[Customer]:
    conditions = []
    if request.shopify_customer_id:
        conditions.append(Customer.shopify_id == shopify_id(request.shopify_customer_id))
    if request.email:
        conditions.append(Customer.email == request.email)
    if not conditions:
        return []
    return list(
        db.session.scalars(select(Customer).where(Customer.shop_domain == shop, or_(*conditions)))
    )


def _phone(payload: ComplianceRequest) -> str | None:
    # Shopify sends E.164 (+16135551111), as the pop-up stores its SMS numbers.
    raw = (payload.phone or "").strip()
    digits = "".join(ch for ch in raw if ch.isdigit())
    return f"+{digits}" if raw.startswith("+") and len(digits) >= 8 else None


def _customer_export(customer: Customer, order_ids: list[int]) -> dict:
    # Every query is held to the requesting shop: the same person at another shop is a
    # different data subject of a different merchant.
    shop = customer.shop_domain
    plays = [Play.customer_id == customer.id]
    if customer.email:  # a null email must never match every anonymised play
        plays.append(Play.email == customer.email)
    related = {
        "carts": select(Cart).where(Cart.shop_domain == shop, Cart.customer_id == customer.id),
        "checkouts": select(Checkout).where(
            Checkout.shop_domain == shop, Checkout.customer_id == customer.id
        ),
        "orders": select(Order).where(
            Order.shop_domain == shop,
            or_(Order.customer_id == customer.id, Order.shopify_id.in_(order_ids)),
        ),
        "discount_codes": select(CouponCode).where(
            CouponCode.shop_domain == shop, CouponCode.customer_id == customer.id
        ),
        "timeline": select(TimelineEvent).where(
            TimelineEvent.shop_domain == shop, TimelineEvent.customer_id == customer.id
        ),
        # Each play carries the consent record: text version, time, IP and user agent.
        "popup_plays": select(Play).where(Play.shop_domain == shop, or_(*plays)),
    }
    export = {"profile": _row(customer)}
    for name, query in related.items():
        export[name] = [_row(row) for row in db.session.scalars(query)]
    return export


def _order_ids(request: PrivacyRequest) -> list[int]:
    """The orders Shopify named in the request (orders_requested, orders_to_redact)."""
    ids = []
    for raw in request.details.get("orders") or []:
        try:
            ids.append(shopify_id(raw))
        except ValueError:
            log.warning("privacy request %s names an order id that is not one", request.id)
    return [order for order in ids if order is not None]


def _row(row) -> dict:
    return {column.key: _json_value(getattr(row, column.key)) for column in row.__table__.columns}


def _json_value(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, str, list, dict)):
        return value
    return str(value)  # Decimal amounts stay exact as text


def _complete(request: PrivacyRequest) -> None:
    request.status = "done"
    request.completed_at = utcnow()
    db.session.flush()
