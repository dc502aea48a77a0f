"""The profile timeline: what happened, on which channel, and when."""

from datetime import datetime

from app.models import TimelineEvent
from app.upserts import insert_ignore


def record_event(
    shop_domain: str,
    kind: str,
    channel: str,
    occurred_at: datetime,
    dedupe_key: str,
    customer_id: int | None = None,
    cart_token: str | None = None,
    details: dict | None = None,
) -> None:
    """Add an event once; the dedupe key makes replays and duplicates no-ops."""
    insert_ignore(
        TimelineEvent,
        {
            "shop_domain": shop_domain,
            "kind": kind,
            "channel": channel,
            "occurred_at": occurred_at,
            "dedupe_key": dedupe_key[:255],
            "customer_id": customer_id,
            "cart_token": cart_token,
            "details": details or {},
        },
    )
