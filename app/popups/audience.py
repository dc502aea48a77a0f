"""Who sees what: identity from the proxy and the profile, suppression, variant, holdout."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app.extensions import db
from app.models import Campaign, Customer, Play, Visitor


@dataclass(frozen=True)
class Shopper:
    """What the server knows about the person behind a storefront request."""

    visitor_key: str | None
    customer: Customer | None


def identify(shop_domain: str, visitor_key: str | None, logged_in_customer_id: str | None):
    """The shopper by Shopify's signed-in customer id, else by the widget's visitor id."""
    customer = None
    if logged_in_customer_id and logged_in_customer_id.isdigit():
        customer = db.session.scalar(
            select(Customer).where(
                Customer.shop_domain == shop_domain,
                Customer.shopify_id == int(logged_in_customer_id),
            )
        )
    if customer is None and visitor_key:
        customer = db.session.scalar(
            select(Customer)
            .join(Visitor, Visitor.customer_id == Customer.id)
            .where(Visitor.shop_domain == shop_domain, Visitor.visitor_key == visitor_key)
        )
    return Shopper(visitor_key=visitor_key, customer=customer)


def suppression_reason(campaign: Campaign, shopper: Shopper, now: datetime) -> str | None:
    """Why this shopper should not get another email-capture game, or None."""
    rules = campaign.suppression or {}
    if already_played(campaign, shopper):
        return "already_played"
    customer = shopper.customer
    if customer is None:
        return None
    if rules.get("known_subscribers", True) and customer.email_consent_state == "subscribed":
        return "known_subscriber"
    days = rules.get("ordered_within_days")
    if days and customer.last_order_at and customer.last_order_at >= now - timedelta(days=days):
        return "recent_buyer"
    tags = {tag.strip().lower() for tag in (customer.tags or "").split(",") if tag.strip()}
    if tags & {tag.lower() for tag in rules.get("customer_tags") or []}:
        return "excluded_tag"
    return None


def already_played(campaign: Campaign, shopper: Shopper, email_key: str | None = None) -> bool:
    """True when this visitor, this customer or this inbox has played the campaign before."""
    conditions = [Play.email_key == email_key] if email_key else []
    if shopper.visitor_key:
        conditions.append(Play.visitor_key == shopper.visitor_key)
    if shopper.customer is not None:
        conditions.append(Play.customer_id == shopper.customer.id)
        if shopper.customer.email:
            conditions.append(Play.email == shopper.customer.email)
    if not conditions:
        return False
    return (
        db.session.scalar(
            select(Play.id).where(Play.campaign_id == campaign.id, or_(*conditions)).limit(1)
        )
        is not None
    )


def assign_variant(campaign: Campaign, visitor_key: str) -> str | None:
    """A stable variant per visitor; None for the holdout, who sees nothing at all."""
    bucket = _bucket(f"{campaign.id}:holdout:{visitor_key}")
    if bucket < campaign.holdout_percent:
        return None
    variants = campaign.variants
    total = sum(variant.weight for variant in variants)
    if not variants or total == 0:
        return "A"
    point = _bucket(f"{campaign.id}:variant:{visitor_key}") * total / 100
    for variant in variants:
        point -= variant.weight
        if point < 0:
            return variant.key
    return variants[-1].key


def _bucket(seed: str) -> float:
    # Hash-based, so the same visitor lands in the same bucket on every page and server.
    digest = hashlib.sha256(seed.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100
