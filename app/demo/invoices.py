"""The demo's draft-order invoice: what Shopify's invoice page and checkout do when a shopper
pays. The draft completes into an order, and Shopify's two webhooks are delivered through
the real intake: draft_orders/update (completed, with the order id) and orders/create."""

from datetime import UTC, datetime
from decimal import Decimal

from app.demo.cart_webhooks import deliver
from app.demo.shopify_admin import pay_demo_draft

VARIANT = "gid://shopify/ProductVariant/"


def invoice_lines(draft: dict, products: dict) -> list[dict]:
    """The draft's lines with their titles and prices, from the demo catalogue."""
    by_id = {product["id"]: product for product in products.values()}
    lines = []
    for line in draft["lineItems"]:
        product = by_id.get(int(line["variantId"].removeprefix(VARIANT)), {})
        price = Decimal(product.get("price", 0))
        lines.append(
            {
                "variant_id": product.get("id"),
                "title": product.get("title", "Item"),
                "quantity": line["quantity"],
                "price": price,
                "line_price": price * line["quantity"],
            }
        )
    return lines


def discount_of(draft: dict, subtotal: Decimal) -> Decimal:
    """What the draft's code or staff discount takes off (the demo's codes are 10% off)."""
    applied = draft.get("appliedDiscount") or {}
    if applied.get("valueType") == "PERCENTAGE":
        return (subtotal * Decimal(str(applied["value"])) / 100).quantize(Decimal("0.01"))
    if applied.get("valueType") == "FIXED_AMOUNT":
        return min(subtotal, Decimal(str(applied["value"])))
    if draft.get("discountCodes"):
        return (subtotal / 10).quantize(Decimal("0.01"))
    return Decimal("0.00")


def pay(number: int, token: str, products: dict) -> dict | None:
    """Complete the draft and deliver Shopify's webhooks; the paid draft, or None."""
    draft = pay_demo_draft(number, token)
    if draft is None:
        return None
    lines = invoice_lines(draft, products)
    subtotal = sum((line["line_price"] for line in lines), Decimal("0"))
    discount = discount_of(draft, subtotal)
    now = datetime.now(UTC).isoformat()
    deliver(
        "draft_orders/update",
        {
            "id": number,
            "name": draft["name"],
            "status": "completed",
            "order_id": draft["orderId"],
            "email": draft.get("email"),
            "updated_at": now,
        },
    )
    deliver(
        "orders/create",
        {
            "id": draft["orderId"],
            "name": f"#{1000 + number}",
            "email": draft.get("email"),
            "created_at": now,
            "updated_at": now,
            "currency": "EUR",
            "financial_status": "paid",
            "source_name": "shopify_draft_order",
            "subtotal_price": f"{subtotal:.2f}",
            "total_price": f"{subtotal - discount:.2f}",
            "discount_codes": [
                {"code": code, "amount": f"{discount:.2f}", "type": "percentage"}
                for code in draft.get("discountCodes") or []
            ],
            "line_items": [
                {
                    "id": line["variant_id"],
                    "variant_id": line["variant_id"],
                    "product_id": line["variant_id"],
                    "title": line["title"],
                    "quantity": line["quantity"],
                    "price": f"{line['price']:.2f}",
                }
                for line in lines
            ],
        },
    )
    return draft
