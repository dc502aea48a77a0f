"""The demo plays Shopify's webhooks for carts: every change to a demo cart is delivered as
carts/create or carts/update, stored and announced by the same intake as a real delivery, so
the live carts page moves when a newcomer shops the demo storefront.

It also keeps a few seeded shoppers browsing (simulate_shoppers), so the live page has carts
that change even before anyone opens the storefront.
"""

import json
import random
import uuid
from datetime import UTC, datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import select

from app.demo import DEMO_SHOP
from app.extensions import db, redis_queues
from app.intake import DeliveryHeaders, accept_delivery
from app.models import Cart

SIMULATE_EVERY_SECONDS = 20
SIMULATED_PREFIX = "demo-live-"


def send_cart_webhook(token: str, lines: list[dict], created_at: str, first: bool) -> None:
    """Deliver the cart as Shopify would: its token, lines and times. A demo product has one
    variant, whose id is the product's."""
    now = datetime.now(UTC).isoformat()
    payload = {
        "id": token,
        "token": token,
        "note": None,
        "created_at": created_at,
        "updated_at": now,
        "line_items": [
            {
                "id": line["id"],
                "variant_id": line["id"],
                "product_id": line["id"],
                "title": line["title"],
                "quantity": line["quantity"],
                "price": f"{line['price']:.2f}",
                "line_price": f"{line['price'] * line['quantity']:.2f}",
                "price_set": {
                    "shop_money": {"amount": f"{line['price']:.2f}", "currency_code": "EUR"}
                },
            }
            for line in lines
        ],
    }
    deliver("carts/create" if first else "carts/update", payload)


def simulate_shoppers(now: datetime | None = None) -> bool:
    """Now and then, one of the seeded live carts changes, as a real shopper's would."""
    try:
        if not redis_queues.connection.set(
            "baton:demo:shoppers", 1, nx=True, ex=SIMULATE_EVERY_SECONDS
        ):
            return False
    except RedisError:
        return False
    carts = list(
        db.session.scalars(
            select(Cart).where(
                Cart.shop_domain == DEMO_SHOP, Cart.token.like(f"{SIMULATED_PREFIX}%")
            )
        )
    )
    db.session.rollback()
    if not carts:
        return False
    cart = random.choice(carts)  # noqa: S311 - a demo shopper, not a secret
    lines = [dict(line) for line in cart.line_items or []]
    if lines:
        line = random.choice(lines)  # noqa: S311
        line["quantity"] = max(1, int(line["quantity"]) + random.choice((1, 1, -1)))  # noqa: S311
    send_cart_webhook(
        cart.token,
        [
            {
                "id": line["variant_id"],
                "title": line["title"],
                "quantity": line["quantity"],
                "price": float(line["price"]),
            }
            for line in lines
        ],
        (cart.created_at or datetime.now(UTC) - timedelta(minutes=30)).isoformat(),
        first=False,
    )
    return True


def deliver(topic: str, payload: dict) -> None:
    """Store and announce a delivery for the demo shop, as if Shopify had sent it."""
    body = json.dumps(payload).encode()
    headers = DeliveryHeaders(
        topic=topic,
        shop_domain=DEMO_SHOP,
        event_id=str(uuid.uuid4()),
        webhook_id=str(uuid.uuid4()),
        api_version="demo",
        triggered_at=datetime.now(UTC),
    )
    accept_delivery(headers, body)
