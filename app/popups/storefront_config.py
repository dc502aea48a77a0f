"""The live-campaign config the storefront loader reads without calling Baton.

Zero requests for visitors who never engage: the theme app embed renders this config into
the page from an app-data metafield (app.metafields.baton.storefront_config), so the loader
can evaluate triggers and targeting in the browser. Baton hears from a visitor only when a
trigger fires. Prizes, odds and content stay out: the offer endpoint sends content once a
visitor engages, and the draw never leaves the server.
"""

import json
import logging

from redis.exceptions import RedisError
from rq import Retry
from sqlalchemy import select

from app.extensions import db, redis_queues
from app.models import Campaign
from app.models.types import utcnow

METAFIELD_NAMESPACE = "baton"
METAFIELD_KEY = "storefront_config"
CONFIG_VERSION = 1
PUBLISH_JOB = "workers.storefront.publish_storefront_config"
log = logging.getLogger(__name__)


def storefront_config(shop_domain: str) -> dict:
    """Every campaign a visitor could see now or later: live and not yet ended."""
    now = utcnow()
    campaigns = db.session.scalars(
        select(Campaign)
        .where(Campaign.shop_domain == shop_domain, Campaign.status == "live")
        .order_by(Campaign.id)
    )
    return {
        "version": CONFIG_VERSION,
        "campaigns": [
            _campaign(campaign)
            for campaign in campaigns
            if campaign.ends_at is None or campaign.ends_at > now
        ],
    }


def storefront_config_json(shop_domain: str) -> str:
    """The config as the metafield stores it: compact JSON."""
    return json.dumps(storefront_config(shop_domain), separators=(",", ":"), sort_keys=True)


def _campaign(campaign: Campaign) -> dict:
    content = campaign.content or {}
    return {
        "id": campaign.id,
        "game": campaign.game,
        "starts_at": _epoch(campaign.starts_at),
        "ends_at": _epoch(campaign.ends_at),
        "triggers": _present(campaign.triggers or {}),
        "targeting": _present(campaign.targeting or {}),
        "frequency": _present(campaign.frequency or {}),
        # The teaser tab needs a label before the visitor engages; nothing else does.
        "teaser": (content.get("teaser_text") or content.get("headline") or "")[:60],
        "accent": content.get("accent_colour") or "",
    }


def _present(section: dict) -> dict:
    # Leave out unset rules so the page carries only what the loader has to check.
    return {key: value for key, value in section.items() if value not in (None, "", [], False)}


def _epoch(moment) -> int | None:
    return int(moment.timestamp()) if moment else None


def request_publish(shop_domain: str) -> None:
    """After a campaign changes: push the new config to the shop's metafield, soon."""
    try:
        redis_queues.queue("sync").enqueue(
            PUBLISH_JOB,
            shop_domain,
            result_ttl=0,
            retry=Retry(max=5, interval=[5, 30, 120, 600, 1800]),
        )
    except RedisError as error:
        # The storefront keeps the previous config until the next save publishes again.
        log.warning("could not queue a config publish for %s: %s", shop_domain, error)
