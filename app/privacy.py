"""GDPR compliance webhooks: record every request, export on demand, erase what we must."""

import json
import logging
from dataclasses import dataclass

from sqlalchemy import case, delete, func, or_, select, update

from app.extensions import db
from app.models import (
    BackfillRun,
    Campaign,
    Cart,
    Checkout,
    CouponCode,
    Customer,
    DeliveryStatus,
    EmailSuppression,
    Order,
    PlatformConnection,
    Play,
    PrivacyRequest,
    PrizeDiscount,
    Shop,
    SyncTask,
    TimelineEvent,
    Visitor,
    WebhookDelivery,
)
from app.models.types import utcnow
from app.profiles.identity import normalise_email
from app.shopify.payloads import shopify_id

log = logging.getLogger(__name__)
REDACTED_BODY = '{"redacted": true}'
# Every table that belongs to one shop, children before parents, for shop/redact.
SHOP_TABLES = (
    Play,
    TimelineEvent,
    CouponCode,
    PrizeDiscount,
    Visitor,
    Cart,
    Checkout,
    Order,
    Customer,
    BackfillRun,
    Campaign,
    SyncTask,
    EmailSuppression,
    PlatformConnection,
)


def record_request(delivery: WebhookDelivery, payload: dict) -> PrivacyRequest:
    """Record a compliance request; replays return the same row."""
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
        email=normalise_email(customer.get("email")),
        details={
            "orders": payload.get("orders_requested") or payload.get("orders_to_redact") or [],
            "data_request_id": _id_text((payload.get("data_request") or {}).get("id")),
        },
    )
    db.session.add(request)
    db.session.flush()
    return request


def export_customer(delivery: WebhookDelivery, payload: dict) -> PrivacyRequest:
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


def redact_customer(delivery: WebhookDelivery, payload: dict) -> PrivacyRequest:
    """customers/redact: erase the profile and every copy of it; anonymise orders."""
    request = record_request(delivery, payload)
    shop = delivery.shop_domain
    customers = _customers(shop, request)
    ids = [customer.id for customer in customers]
    emails = {email for email in [request.email, *(c.email for c in customers)] if email}
    tokens = _cart_tokens(shop, ids, emails)
    phone = _phone(payload)
    _erase_rows(shop, ids, emails, tokens, phone)
    _scrub_deliveries(shop, emails, shopify_id(request.shopify_customer_id), phone)
    # The requests themselves carry the email and any export made for it.
    db.session.execute(
        update(PrivacyRequest)
        .where(
            PrivacyRequest.shop_domain == shop,
            or_(
                PrivacyRequest.email.in_(emails),
                PrivacyRequest.shopify_customer_id == request.shopify_customer_id,
            ),
        )
        .values(email=None, shopify_customer_id=None, export=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(request)
    _complete(request)
    log.info("redacted %d profiles for a customers/redact on %s", len(ids), shop)
    return request


def redact_shop(delivery: WebhookDelivery, payload: dict) -> None:
    """shop/redact, 48 hours after uninstall: erase everything held for the shop."""
    domain = delivery.shop_domain
    request = record_request(delivery, payload)
    for model in SHOP_TABLES:
        db.session.execute(delete(model).where(model.shop_domain == domain))
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
    db.session.refresh(request)
    _complete(request)
    log.info("redacted shop %s", domain)


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


def _cart_tokens(shop: str, ids: list[int], emails: set[str]) -> set[str]:
    carts = select(Cart.token).where(Cart.shop_domain == shop, Cart.customer_id.in_(ids))
    checkouts = select(Checkout.cart_token).where(
        Checkout.shop_domain == shop, or_(Checkout.customer_id.in_(ids), Checkout.email.in_(emails))
    )
    return {token for token in db.session.scalars(carts.union(checkouts)) if token}


def _erase_rows(
    shop: str, ids: list[int], emails: set[str], tokens: set[str], phone: str | None
) -> None:
    plays = [Play.customer_id.in_(ids), Play.email.in_(emails)]
    if phone:
        plays.append(Play.phone == phone)
    statements = [
        delete(TimelineEvent).where(
            TimelineEvent.shop_domain == shop,
            or_(TimelineEvent.customer_id.in_(ids), TimelineEvent.cart_token.in_(tokens)),
        ),
        delete(Visitor).where(Visitor.shop_domain == shop, Visitor.customer_id.in_(ids)),
        delete(Cart).where(
            Cart.shop_domain == shop, or_(Cart.customer_id.in_(ids), Cart.token.in_(tokens))
        ),
        delete(Checkout).where(
            Checkout.shop_domain == shop,
            or_(Checkout.customer_id.in_(ids), Checkout.email.in_(emails)),
        ),
        # Orders stay for revenue figures, with nothing that points back at the person.
        update(Order)
        .where(
            Order.shop_domain == shop,
            or_(Order.customer_id.in_(ids), func.lower(Order.email).in_(emails)),
        )
        .values(email=None, customer_id=None),
        update(CouponCode)
        .where(CouponCode.shop_domain == shop, CouponCode.customer_id.in_(ids))
        .values(customer_id=None),
        # Plays stay as counts for the campaign's results, with nothing that names the player.
        update(Play)
        .where(Play.shop_domain == shop, or_(*plays))
        .values(
            customer_id=None,
            email=None,
            shopify_customer_id=None,
            visitor_key=None,
            phone=None,
            ip=None,
            user_agent=None,
        ),
        delete(Customer).where(Customer.id.in_(ids)),
    ]
    for statement in statements:
        db.session.execute(statement.execution_options(synchronize_session=False))


def _scrub_deliveries(
    shop: str, emails: set[str], customer_id: int | None, phone: str | None
) -> None:
    # Stored bodies are copies too; a waiting one is dropped so it cannot rebuild the profile.
    # The database narrows the search (LIKE with its wildcards escaped); each candidate is then
    # parsed and matched on exact values, so no one else's delivery is touched.
    needles = [*emails, *([str(customer_id)] if customer_id else []), *([phone] if phone else [])]
    if not needles:
        return
    candidates = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.body).where(
            WebhookDelivery.shop_domain == shop,
            WebhookDelivery.body != REDACTED_BODY,
            or_(
                *(
                    func.lower(WebhookDelivery.body).contains(needle, autoescape=True)
                    for needle in needles
                )
            ),
        )
    ).all()
    person = Person(emails, customer_id, phone)
    matched = [row.id for row in candidates if person.appears_in(row.body)]
    if not matched:
        return
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(matched))
        .values(
            body=REDACTED_BODY,
            error="redacted",
            status=case(
                (
                    WebhookDelivery.status.in_(
                        (DeliveryStatus.RECEIVED, DeliveryStatus.AWAITING_INSTALL)
                    ),
                    DeliveryStatus.IGNORED,
                ),
                else_=WebhookDelivery.status,
            ),
        )
        .execution_options(synchronize_session=False)
    )


@dataclass(frozen=True)
class Person:
    """The values that identify one data subject in a stored payload, compared exactly."""

    emails: set[str]
    customer_id: int | None
    phone: str | None

    def appears_in(self, body: str) -> bool:
        """Whether any value of the parsed body is one of this person's."""
        try:
            payload = json.loads(body)
        except ValueError:
            return False
        return any(self._is_theirs(value) for value in _values(payload))

    def _is_theirs(self, value) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return value == self.customer_id
        if not isinstance(value, str):
            return False
        if normalise_email(value) in self.emails:
            return True
        if self.phone and _digits(value) == _digits(self.phone):
            return True
        return bool(self.customer_id and value in (str(self.customer_id), _gid(self.customer_id)))


def _values(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _values(item)
    else:
        yield node


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _gid(customer_id: int) -> str:
    return f"gid://shopify/Customer/{customer_id}"


def _phone(payload: dict) -> str | None:
    # Shopify sends E.164 (+16135551111), as the pop-up stores its SMS numbers.
    raw = str((payload.get("customer") or {}).get("phone") or "").strip()
    return f"+{_digits(raw)}" if raw.startswith("+") and len(_digits(raw)) >= 8 else None


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


def _id_text(value) -> str | None:
    # Shopify ids exceed 2**53; keep them exact as text whatever JSON type they arrived as.
    return None if value is None else str(value)
