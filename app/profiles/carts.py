"""Carts from carts/create and carts/update."""

from datetime import datetime

from app.models import Cart
from app.profiles.timeline import record_event
from app.shopify.webhook_payloads import CartPayload
from app.upserts import upsert_if_newer


def apply_cart(shop_domain: str, payload: CartPayload, observed_at: datetime) -> Cart:
    """Upsert a cart; an older updated_at never replaces newer contents."""
    token = payload.token
    version = payload.updated_at or observed_at
    cart, applied = upsert_if_newer(
        Cart,
        {"shop_domain": shop_domain, "token": token},
        {"line_items": payload.line_items, "total": payload.total, "currency": payload.currency},
        version,
        inserted_only={"created_at": payload.created_at or observed_at},
    )
    if applied:
        record_event(
            shop_domain,
            "cart_updated",
            "web",
            version,
            f"cart:{token}:{version.isoformat()}",
            customer_id=cart.customer_id,
            cart_token=token,
            details={
                "items": sum(item["quantity"] for item in payload.line_items),
                "total": str(payload.total),
            },
        )
    return cart
