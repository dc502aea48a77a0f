"""Reading Shopify webhook payloads, which contain nulls, strings for money and huge ids."""

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation


def parse_timestamp(raw) -> datetime | None:
    """Parse Shopify's ISO 8601 timestamps (offsets, Z, nanoseconds) to aware UTC."""
    if not raw or not isinstance(raw, str):
        return None
    trimmed = re.sub(r"(\.\d{6})\d+", r"\1", raw.strip()).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(trimmed)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        # OverflowError: an offset that pushes year 1 or 9999 out of range in UTC.
        return None


def shopify_id(raw) -> int | None:
    """A 64-bit id from an int, a numeric string or a gid://shopify/... string."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    match = re.search(r"(\d+)$", str(raw))
    if match is None:
        raise ValueError(f"not a Shopify id: {raw!r}")
    return int(match.group(1))


def money(raw) -> Decimal:
    """Shopify sends prices as strings ("19.00"); nulls count as zero."""
    if raw is None or raw == "":
        return Decimal("0")
    try:
        return Decimal(str(raw)).quantize(Decimal("0.01"))
    except InvalidOperation as error:
        raise ValueError(f"not an amount: {raw!r}") from error


def line_items(raw_items, price_field: str = "price") -> list[dict]:
    """The line fields the profile keeps: variant, title, quantity, price."""
    items = []
    for item in raw_items or []:
        items.append(
            {
                "variant_id": shopify_id(item.get("variant_id")),
                "product_id": shopify_id(item.get("product_id")),
                "title": item.get("title") or item.get("presentment_title"),
                "quantity": int(item.get("quantity") or 0),
                "price": str(money(item.get(price_field) or item.get("price"))),
            }
        )
    return items
