"""Rows for the CSV exports, read a page at a time so a large shop never sits in memory."""

from datetime import datetime

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, CouponCode, Play, Prize

PAGE = 1000
LEAD_HEADER = [
    "played_at",
    "email",
    "email_consent",
    "consent_text_version",
    "consent_text",
    "phone",
    "sms_consent",
    "campaign",
    "game",
    "variant",
    "prize",
    "code",
    "code_redeemed_at",
    "order_revenue",
    "device",
]


def lead_rows(shop_domain: str, since: datetime, until: datetime):
    """The header, then one row per play that left an email, oldest first."""
    yield LEAD_HEADER
    campaigns = {
        campaign.id: campaign
        for campaign in db.session.scalars(
            select(Campaign).where(Campaign.shop_domain == shop_domain)
        )
    }
    prizes = dict(
        db.session.execute(
            select(Prize.id, Prize.label).join(Campaign).where(Campaign.shop_domain == shop_domain)
        ).all()
    )
    after = 0
    while True:
        page = db.session.execute(
            select(Play, CouponCode.redeemed_at, CouponCode.attributed_revenue)
            .outerjoin(CouponCode, CouponCode.play_id == Play.id)
            .where(
                Play.shop_domain == shop_domain,
                Play.email.is_not(None),
                Play.created_at.between(since, until),
                Play.id > after,
            )
            .order_by(Play.id)
            .limit(PAGE)
        ).all()
        if not page:
            return
        for play, redeemed_at, revenue in page:
            campaign = campaigns.get(play.campaign_id)
            consent = (campaign.consent or {}) if campaign else {}
            yield [
                play.created_at.isoformat(),
                play.email,
                "yes" if play.consented else "no",
                play.consent_text_version,
                consent.get("text", "")
                if consent.get("version") == play.consent_text_version
                else "",
                play.phone,
                "yes" if play.sms_consented else "no",
                campaign.name if campaign else "",
                campaign.game if campaign else "",
                play.variant_key,
                prizes.get(play.prize_id, ""),
                play.code,
                redeemed_at.isoformat() if redeemed_at else "",
                revenue if revenue is not None else "",
                play.device,
            ]
        after = page[-1][0].id
        db.session.expunge_all()  # a page at a time, not the whole history
