"""Carts from carts/create and carts/update."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.models import Cart
from app.profiles.timeline import record_event
from app.shopify.payloads import line_items, money, parse_timestamp
from app.upserts import insert_ignore, update_if_newer


def apply_cart(shop_domain: str, payload: dict, observed_at: datetime) -> Cart:
    """Upsert a cart; an older updated_at never replaces newer contents."""
    token = payload.get("token") or payload.get("id")
    if not token:
        raise ValueError("cart payload without a token")
    token = str(token)
    insert_ignore(
        Cart,
        {
            "shop_domain": shop_domain,
            "token": token,
            "created_at": parse_timestamp(payload.get("created_at")) or observed_at,
        },
    )
    version = parse_timestamp(payload.get("updated_at")) or observed_at
    items = line_items(payload.get("line_items"))
    total = sum((_line_total(item) for item in payload.get("line_items") or []), Decimal("0"))
    applied = update_if_newer(
        Cart,
        [Cart.shop_domain == shop_domain, Cart.token == token],
        {"line_items": items, "total": total, "currency": _currency(payload)},
        version,
    )
    cart = db.session.scalar(
        select(Cart).where(Cart.shop_domain == shop_domain, Cart.token == token)
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
            details={"items": sum(item["quantity"] for item in items), "total": str(total)},
        )
    return cart


def _line_total(item: dict) -> Decimal:
    # Cart lines carry line_price (after line discounts); fall back to price x quantity.
    if item.get("line_price") is not None:
        return money(item["line_price"])
    return money(item.get("price")) * int(item.get("quantity") or 0)


def _currency(payload: dict) -> str | None:
    for item in payload.get("line_items") or []:
        price_set = item.get("price_set") or item.get("line_price_set") or {}
        currency = (price_set.get("shop_money") or {}).get("currency_code")
        if currency:
            return currency
    return payload.get("currency")
