"""Recording what engaged visitors saw: exposures (variant or holdout) and impressions and opens.

Counts are of unique visitors per campaign, kind and day, so a reloading page or a replayed
beacon adds nothing; Redis remembers who was counted today. An event counts only with the
beacon the server gave its offer (an HMAC of shop, campaign, visitor and variant), so a
script cannot invent visitors or variants to inflate impressions, opens or lift.
"""

import hashlib
import hmac
from datetime import date

from flask import current_app
from sqlalchemy import select

from app.extensions import db, redis_queues
from app.models import HOLDOUT, Campaign, CampaignDailyStat, CampaignExposure
from app.models.types import utcnow
from app.upserts import dialect_insert, insert_ignore

EVENT_KINDS = ("impression", "open")
MAX_EVENTS = 20
SEEN_TTL_SECONDS = 2 * 86400


def record_exposure(
    shop_domain: str, campaign_id: int, visitor_key: str, variant: str | None, device: str | None
) -> None:
    """The first offer a visitor gets from a campaign: its variant, or the holdout."""
    insert_ignore(
        CampaignExposure,
        {
            "shop_domain": shop_domain,
            "campaign_id": campaign_id,
            "visitor_key": visitor_key,
            "variant_key": variant or HOLDOUT,
            "device": device,
            "first_seen_at": utcnow(),
        },
    )


def beacon_for(shop_domain: str, campaign_id: int, visitor_key: str, variant: str) -> str:
    """What the widget sends back with each event of this offer."""
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"baton-beacon|{shop_domain}|{campaign_id}|{visitor_key}|{variant}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def count_widget_events(shop_domain: str, visitor_key: str, device: str, events: list) -> int:
    """Add the batch's impressions and opens; returns how many were new today."""
    day = utcnow().date()
    own = set(
        db.session.scalars(
            select(Campaign.id).where(
                Campaign.shop_domain == shop_domain,
                Campaign.id.in_([event["campaign_id"] for event in events]),
            )
        )
    )
    counted = 0
    for event in events:
        if event["campaign_id"] not in own or not _offered(shop_domain, visitor_key, event):
            continue
        if not _first_today(visitor_key, event, day):
            continue
        _increment(shop_domain, event, device, day)
        counted += 1
    return counted


def _offered(shop_domain: str, visitor_key: str, event: dict) -> bool:
    expected = beacon_for(shop_domain, event["campaign_id"], visitor_key, event["variant"])
    return hmac.compare_digest(expected, event.get("beacon") or "")


def _first_today(visitor_key: str, event: dict, day: date) -> bool:
    key = f"baton:seen:{day.isoformat()}:{event['campaign_id']}:{event['type']}:{visitor_key}"
    return bool(redis_queues.connection.set(key, 1, nx=True, ex=SEEN_TTL_SECONDS))


def _increment(shop_domain: str, event: dict, device: str, day: date) -> None:
    column = "impressions" if event["type"] == "impression" else "opens"
    table = CampaignDailyStat.__table__
    statement = dialect_insert(table).values(
        shop_domain=shop_domain,
        campaign_id=event["campaign_id"],
        variant_key=event["variant"],
        device=device,
        day=day,
        impressions=int(column == "impressions"),
        opens=int(column == "opens"),
    )
    statement = statement.on_conflict_do_update(
        index_elements=["campaign_id", "variant_key", "device", "day"],
        set_={column: table.c[column] + 1},
    )
    db.session.execute(statement)
