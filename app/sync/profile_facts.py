"""What the platforms are told about a customer: one shape for live updates and backfills."""

from app.models import Customer


def profile_facts(customer: Customer, segments: dict[str, bool]) -> dict:
    """Klaviyo properties, Mailchimp merge fields and tags, segments in and out."""
    last_order = customer.last_order_at.isoformat() if customer.last_order_at else None
    spent = str(customer.total_spent or 0)
    return {
        "email": customer.email,
        "klaviyo": {
            "shopify_orders_count": customer.orders_count or 0,
            "shopify_total_spent": spent,
            "shopify_last_order_at": last_order,
            "shopify_tags": [t.strip() for t in (customer.tags or "").split(",") if t.strip()],
        }
        | {f"baton_{name}": on for name, on in segments.items()},
        "mailchimp": {
            "ORDERS": str(customer.orders_count or 0),
            "SPENT": spent,
            "LASTORDER": last_order or "",
        },
        "tags": {f"baton-{name.replace('_', '-')}": on for name, on in segments.items()},
    }
