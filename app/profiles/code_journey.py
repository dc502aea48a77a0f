"""A discount code's journey, for support: "my code doesn't work" answered from the code.

When and where it was shown (the play), which platforms received it and when, which order
redeemed it, or why it cannot be used now (expired, used, refused by Shopify, withdrawn).
"""

from sqlalchemy import func, select

from app.extensions import db
from app.models import Campaign, CouponCode, Order, Play, SyncTask
from app.models.types import iso, utcnow


def code_journey(shop_domain: str, code: str) -> dict | None:
    """The journey of one of this shop's codes (any letter case); None if it has no such code."""
    found = db.session.scalar(
        select(CouponCode).where(
            CouponCode.shop_domain == shop_domain,
            func.upper(CouponCode.code) == code.strip().upper(),
        )
    )
    if found is None:
        return None
    play = db.session.get(Play, found.play_id) if found.play_id else None
    campaign = db.session.get(Campaign, play.campaign_id) if play else None
    order = db.session.get(Order, found.order_id) if found.order_id else None
    return {
        "code": found.code,
        "state": _state(found),
        "why": _why(found),
        "shown": {
            "at": iso(play.created_at),
            "campaign": campaign.name if campaign else None,
            "variant": play.variant_key,
            "device": play.device,
            "customer_id": play.customer_id,
        }
        if play
        else None,
        "expires_at": iso(found.expires_at),
        "platforms": _platforms(shop_domain, play),
        "redeemed": {
            "at": iso(found.redeemed_at),
            "order": order.name if order else None,
            "revenue": str(found.attributed_revenue) if found.attributed_revenue else None,
        }
        if found.redeemed_at
        else None,
    }


def _state(code: CouponCode) -> str:
    if code.redeemed_at:
        return "used"
    if code.status in ("failed", "withdrawn"):
        return code.status
    if code.expires_at and code.expires_at <= utcnow():
        return "expired"
    if code.status in ("pending", "available"):
        return "not handed out"
    return "valid"


def _why(code: CouponCode) -> str:
    """What support can tell the shopper, in plain words."""
    return {
        "used": "It was used on an order already; each code works once.",
        "failed": "Shopify refused to create it, so it never worked; offer the shopper another.",
        "withdrawn": "It was removed from Shopify before anyone won it.",
        "expired": "It expired before it was used.",
        "not handed out": "Nobody has won it yet.",
    }.get(_state(code), "It is valid: it should work at checkout if the order meets its terms.")


def _platforms(shop_domain: str, play: Play | None) -> list[dict]:
    if play is None:
        return []
    tasks = db.session.scalars(
        select(SyncTask)
        .where(
            SyncTask.shop_domain == shop_domain,
            SyncTask.operation == "lead",
            SyncTask.subject == str(play.id),
        )
        .order_by(SyncTask.platform)
    )
    return [
        {"platform": task.platform, "status": task.status, "at": iso(task.done_at)}
        for task in tasks
    ]
