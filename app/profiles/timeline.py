"""The profile timeline: what happened, on which channel, and when."""

from datetime import datetime

from app.models import TimelineEvent
from app.upserts import insert_ignore, insert_ignore_many


def event_row(
    shop_domain: str,
    kind: str,
    channel: str,
    occurred_at: datetime,
    dedupe_key: str,
    customer_id: int | None = None,
    cart_token: str | None = None,
    details: dict | None = None,
) -> dict:
    """One timeline event as a row; the dedupe key makes replays and duplicates no-ops."""
    return {
        "shop_domain": shop_domain,
        "kind": kind,
        "channel": channel,
        "occurred_at": occurred_at,
        "dedupe_key": dedupe_key[:255],
        "customer_id": customer_id,
        "cart_token": cart_token,
        "details": details or {},
    }


def record_event(*args, **kwargs) -> None:
    """Add an event once (the arguments are event_row's)."""
    insert_ignore(TimelineEvent, event_row(*args, **kwargs))


def record_events(rows: list[dict]) -> None:
    """Add several events at once, each only once: one statement for all of them."""
    insert_ignore_many(TimelineEvent, rows)
