"""Creating and changing campaigns for the admin API (app/schemas/campaign.py describes them)."""

from sqlalchemy import select

from app.extensions import db
from app.models import Campaign, Prize, Variant

SCALAR_FIELDS = (
    "name",
    "game",
    "status",
    "holdout_percent",
    "code_prefix",
    "content",
    "consent",
    "triggers",
    "targeting",
    "frequency",
    "suppression",
    "starts_at",
    "ends_at",
)


def campaigns_for(shop_domain: str) -> list[Campaign]:
    """The shop's campaigns, newest first."""
    return list(
        db.session.scalars(
            select(Campaign).where(Campaign.shop_domain == shop_domain).order_by(Campaign.id.desc())
        )
    )


def campaign_for(shop_domain: str, campaign_id: int) -> Campaign | None:
    """One campaign, only if it belongs to the shop asking."""
    return db.session.scalar(
        select(Campaign).where(Campaign.id == campaign_id, Campaign.shop_domain == shop_domain)
    )


def save_campaign(shop_domain: str, clean: dict, campaign: Campaign | None = None) -> Campaign:
    """Create a campaign, or replace one's settings, from validated fields."""
    if campaign is None:
        campaign = Campaign(shop_domain=shop_domain)
        db.session.add(campaign)
    for field in SCALAR_FIELDS:
        setattr(campaign, field, clean[field])
    _sync_prizes(campaign, clean["prizes"])
    _sync_variants(campaign, clean["variants"])
    db.session.flush()
    return campaign


def _sync_prizes(campaign: Campaign, prizes: list[dict]) -> None:
    # Prizes keep their rows (and award counts, and Shopify discounts) by position, so
    # editing a label mid-campaign does not reset "only 50 of these".
    existing = {prize.position: prize for prize in campaign.prizes}
    kept = []
    for position, fields in enumerate(prizes):
        prize = existing.get(position) or Prize(position=position, awarded_count=0)
        for key, value in fields.items():
            setattr(prize, key, value)
        kept.append(prize)
    campaign.prizes = kept


def _sync_variants(campaign: Campaign, variants: list[dict]) -> None:
    # Matched by key and updated in place: replacing the list would insert a new "A"
    # before the old "A" is deleted, against the (campaign, key) unique constraint.
    existing = {variant.key: variant for variant in campaign.variants}
    kept = []
    for fields in variants:
        variant = existing.get(fields["key"]) or Variant(key=fields["key"])
        variant.weight, variant.content = fields["weight"], fields["content"]
        kept.append(variant)
    campaign.variants = kept
