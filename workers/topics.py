"""The webhook topics Baton subscribes to, and the handler each one is dispatched to."""

import json
from collections.abc import Callable

from app import privacy, shops
from app.models import WebhookDelivery
from app.profiles import carts, checkouts, customers, orders
from app.selling import drafts

Handler = Callable[[WebhookDelivery, dict], None]
COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})


def _uninstalled(delivery: WebhookDelivery, payload: dict) -> None:
    shops.mark_uninstalled(delivery.shop_domain, delivery.triggered_at)


def _scopes_update(delivery: WebhookDelivery, payload: dict) -> None:
    # Shopify sends the granted scopes as a list under "current"; nulls mean nothing changed.
    current = payload.get("current")
    if current is not None:
        shops.update_scopes(delivery.shop_domain, current)


def _profile(apply):
    """Adapt a profile function (shop, payload, observed_at) to a delivery handler."""

    def handle(delivery: WebhookDelivery, payload: dict) -> None:
        # Shopify's trigger time orders deliveries whose payload carries no updated_at.
        apply(delivery.shop_domain, payload, delivery.triggered_at or delivery.received_at)

    handle.__name__ = apply.__name__
    return handle


HANDLERS: dict[str, Handler] = {
    "app/uninstalled": _uninstalled,
    "app/scopes_update": _scopes_update,
    "carts/create": _profile(carts.apply_cart),
    "carts/update": _profile(carts.apply_cart),
    "checkouts/create": _profile(checkouts.apply_checkout),
    "checkouts/update": _profile(checkouts.apply_checkout),
    "orders/create": _profile(orders.apply_order),
    "orders/paid": _profile(orders.apply_order),
    "customers/create": _profile(customers.apply_customer),
    "customers/update": _profile(customers.apply_customer),
    "customers/delete": _profile(customers.delete_customer),
    "customers_email_marketing_consent/update": _profile(customers.apply_consent_update),
    "draft_orders/update": _profile(drafts.apply_draft_order),
    "customers/data_request": privacy.export_customer,
    "customers/redact": privacy.redact_customer,
    "shop/redact": privacy.redact_shop,
}


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
