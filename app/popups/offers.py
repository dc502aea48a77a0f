"""What the storefront may see: a campaign's content for its variant, and a winner's code."""

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CouponCode, Play


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
        # Slices only: the odds stay on the server, where the draw happens.
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
