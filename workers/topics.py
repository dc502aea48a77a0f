"""The webhook topics Baton subscribes to, and the handler each one is dispatched to."""

import json
from collections.abc import Callable

from app import privacy, shops
from app.models import WebhookDelivery
from app.profiles import carts, checkouts, customers, orders, points
from app.selling import drafts
from app.shopify.webhook_payloads import (
    AppUninstalled,
    CartPayload,
    CheckoutPayload,
    ComplianceRequest,
    ConsentUpdate,
    CustomerDeletion,
    CustomerPayload,
    DraftOrderPayload,
    OrderPayload,
    RefundPayload,
    ScopesUpdate,
)

Handler = Callable[[WebhookDelivery, dict], None]
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})
# Topics after which what a batch read about its shops and deliveries may no longer hold.
SHOP_LIFECYCLE_TOPICS = COMPLIANCE_TOPICS | {"app/uninstalled"}


def _uninstalled(delivery: WebhookDelivery, payload: dict) -> None:
    AppUninstalled.parse(payload)
    shops.mark_uninstalled(delivery.shop_domain, delivery.triggered_at)


def _scopes_update(delivery: WebhookDelivery, payload: dict) -> None:
    # Shopify sends the granted scopes as a list under "current"; nulls mean nothing changed.
    update = ScopesUpdate.parse(payload)
    if update.current is not None:
        shops.update_scopes(delivery.shop_domain, update.current)


def _profile(apply, parse):
    """A profile function (shop, typed payload, observed_at) as a delivery handler."""

    def handle(delivery: WebhookDelivery, payload: dict) -> None:
        # Shopify's trigger time orders deliveries whose payload carries no updated_at.
        observed_at = delivery.triggered_at or delivery.received_at
        apply(delivery.shop_domain, parse(payload), observed_at)

    handle.__name__ = apply.__name__
    return handle


def _compliance(apply):
    """A compliance function (delivery, ComplianceRequest) as a delivery handler."""

    def handle(delivery: WebhookDelivery, payload: dict) -> None:
        apply(delivery, ComplianceRequest.parse(payload))

    handle.__name__ = apply.__name__
    return handle


# Each payload is parsed once, here, into the typed object its handler reads.
HANDLERS: dict[str, Handler] = {
    "app/uninstalled": _uninstalled,
    "app/scopes_update": _scopes_update,
    "carts/create": _profile(carts.apply_cart, CartPayload.parse),
    "carts/update": _profile(carts.apply_cart, CartPayload.parse),
    "checkouts/create": _profile(checkouts.apply_checkout, CheckoutPayload.parse),
    "checkouts/update": _profile(checkouts.apply_checkout, CheckoutPayload.parse),
    "orders/create": _profile(orders.apply_order, OrderPayload.parse),
    "orders/paid": _profile(orders.apply_order, OrderPayload.parse),
    "orders/cancelled": _profile(orders.apply_order, OrderPayload.parse),
    "refunds/create": _profile(points.record_refund, RefundPayload.parse),
    "customers/create": _profile(customers.apply_customer, CustomerPayload.parse),
    "customers/update": _profile(customers.apply_customer, CustomerPayload.parse),
    "customers/delete": _profile(customers.delete_customer, CustomerDeletion.parse),
    "customers_email_marketing_consent/update": _profile(
        customers.apply_consent_update, ConsentUpdate.parse
    ),
    "draft_orders/update": _profile(drafts.apply_draft_order, DraftOrderPayload.parse),
    "customers/data_request": _compliance(privacy.export_customer),
    "customers/redact": _compliance(privacy.redact_customer),
    "shop/redact": _compliance(privacy.redact_shop),
}


# Topics whose handlers only write the profile in the caller's transaction (no commit of
# their own, no call out), so several deliveries of them can share one commit.
GROUPED_TOPICS = frozenset(
    {
        "carts/create",
        "carts/update",
        "checkouts/create",
        "checkouts/update",
        "orders/create",
        "orders/paid",
        "orders/cancelled",
        "refunds/create",
        "customers/create",
        "customers/update",
        "customers/delete",
        "customers_email_marketing_consent/update",
    }
)


def handler_for(topic: str) -> Handler | None:
    """Return the function that processes deliveries of this topic, if there is one yet."""
    return HANDLERS.get(topic)


def parse_payload(body: str) -> dict:
    """Parse a stored body; raises ValueError when it is not a JSON object.

    Text no database can store (NUL, a lone surrogate from an escape such as \\ud800) is
    made storable here: the delivery is Shopify's, and dropping it would lose the rest.
    """
    payload = json.loads(body, object_hook=_storable_object)
    if not isinstance(payload, dict):
        raise ValueError("webhook body is JSON but not an object")
    return payload


def _storable_object(pairs: dict) -> dict:
    return {_storable(key): _storable(value) for key, value in pairs.items()}


def _storable(value):
    if isinstance(value, str):
        return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value
