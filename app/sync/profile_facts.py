"""What the platforms are told about a customer, one shape for live updates and backfills;
each platform names the facts its own way (properties, merge fields, tags)."""

from datetime import UTC

from app.models import Customer


def profile_facts(
    customer: Customer, segments: dict[str, bool], loyalty: dict | None = None
) -> dict:
    """Orders, spend, last order, Shopify tags, each segment in or out, and the member's
    points when the shop runs a loyalty program (app/loyalty/facts.py)."""
    return {
        "email": customer.email,
        "orders_count": customer.orders_count or 0,
        "total_spent": str(customer.total_spent or 0),
        "last_order_at": customer.last_order_at.isoformat() if customer.last_order_at else None,
        "tags": [tag.strip() for tag in (customer.tags or "").split(",") if tag.strip()],
        "segments": segments,
        "loyalty": loyalty,
    }


def consented(customer: Customer) -> bool:
    """Subscribed to email marketing in Shopify."""
    return customer.email_consent_state == "subscribed"


def consented_at(customer: Customer) -> str:
    """When the customer consented, as ISO 8601 in UTC (a platform's historical import)."""
    moment = customer.email_consent_updated_at or customer.created_at
    return moment.astimezone(UTC).isoformat()
