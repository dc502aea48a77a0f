"""What the storefront may see: the offer a visit gets, a campaign's content for its variant,
and a winner's code."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.analytics.tracking import beacon_for, record_exposure
from app.extensions import db
from app.models import Campaign, CouponCode, Play
from app.popups.audience import assign_variant, identify, suppression_reason
from app.popups.play import campaign_for_play, issue_play_token


@dataclass(frozen=True)
class Visit:
    """A visitor on the storefront whose trigger fired for a campaign."""

    shop_domain: str
    campaign_id: int
    visitor_key: str
    logged_in_customer_id: str | None
    device: str | None


def decide_offer(visit: Visit, now: datetime) -> dict:
    """A game (its variant, content, play token and beacon), a reminder, or nothing.

    An exposure is recorded (not committed) for every visitor the campaign could show to,
    the holdout included, so lift compares like with like."""
    campaign = campaign_for_play(visit.shop_domain, visit.campaign_id)
    if campaign is None or not campaign.is_running(now):
        return {"show": "nothing", "reason": "not_running"}
    shopper = identify(visit.shop_domain, visit.visitor_key, visit.logged_in_customer_id)
    reason = suppression_reason(campaign, shopper, now)
    if reason:
        experience = (campaign.suppression or {}).get("experience", "reminder")
        return {"show": experience, "reason": reason}
    variant = assign_variant(campaign, visit.visitor_key)
    record_exposure(visit.shop_domain, campaign.id, visit.visitor_key, variant, visit.device)
    if variant is None:
        return {"show": "nothing", "reason": "holdout"}
    return {
        "show": "game",
        "variant": variant,
        "campaign": public_campaign(campaign, variant),
        "play_token": issue_play_token(campaign.id, visit.visitor_key, variant),
        # Impressions and opens count only with this: the offer the server made.
        "beacon": beacon_for(visit.shop_domain, campaign.id, visit.visitor_key, variant),
    }


def public_campaign(campaign: Campaign, variant_key: str) -> dict:
    """The campaign as the widget renders it for one variant."""
    variant = next((v for v in campaign.variants if v.key == variant_key), None)
    content = dict(campaign.content or {}) | dict(variant.content if variant else {})
    consent = campaign.consent or {}
    return {
        "id": campaign.id,
        "game": campaign.game,
        "content": content,
        "consent": {
            "required": consent.get("required", True),
            "text": consent.get("text", ""),
            "version": consent.get("version"),
            "sms_text": consent.get("sms_text", ""),
        },
        # Slices only: the draw happens on the server, and the odds are on the rules page.
        "slices": [{"position": prize.position, "label": prize.label} for prize in campaign.prizes],
    }


def code_status(shop_domain: str, code: str, visitor_key: str, now: datetime) -> str | None:
    """ "issued", "redeemed" or "expired" for a code this visitor won; None for anyone else's."""
    found = db.session.scalar(
        select(CouponCode)
        .join(Play, Play.id == CouponCode.play_id)
        .where(
            CouponCode.shop_domain == shop_domain,
            CouponCode.code == code,
            Play.visitor_key == visitor_key,
        )
    )
    if found is None:
        return None
    if found.redeemed_at is not None:
        return "redeemed"
    if found.expires_at is not None and found.expires_at <= now:
        return "expired"
    return "issued"
