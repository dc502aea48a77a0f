"""Tiers: a member's standing from their orders and spend over a rolling window, the tag the
Shopify customer carries for it, and the perks it grants."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.extensions import db
from app.loyalty.earning import active_program
from app.loyalty.members import ensure_member, member_of
from app.models import Customer, LoyaltyMember, LoyaltyProgram, Order, OrderRefund
from app.shopify.webhook_payloads import RefundPayload
from app.upserts import insert_ignore

TAG_PREFIX = "baton-tier-"


def tier_tag(name: str) -> str:
    """The Shopify customer tag of a tier: baton-tier-gold."""
    return TAG_PREFIX + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "tier")


def keep_refund(shop_domain: str, payload: RefundPayload, refunded_at: datetime) -> None:
    """Remember the money a refund gave back, once per refund."""
    insert_ignore(
        OrderRefund,
        {
            "shop_domain": shop_domain,
            "refund_id": payload.id,
            "order_shopify_id": payload.order_id,
            "amount": payload.amount,
            "refunded_at": refunded_at,
        },
    )


def standing(shop_domain: str, customer_id: int, since: datetime) -> tuple[int, Decimal]:
    """Orders placed since `since` (cancelled ones not counted) and their spend net of refunds."""
    in_window = (
        Order.shop_domain == shop_domain,
        Order.customer_id == customer_id,
        Order.cancelled_at.is_(None),
        Order.placed_at >= since,
    )
    refunded = (
        select(func.coalesce(func.sum(OrderRefund.amount), 0))
        .where(
            OrderRefund.shop_domain == shop_domain,
            OrderRefund.order_shopify_id.in_(select(Order.shopify_id).where(*in_window)),
        )
        .scalar_subquery()
    )
    orders, spent, given_back = db.session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.total), 0), refunded).where(
            *in_window
        )
    ).one()
    return int(orders), Decimal(spent) - Decimal(given_back)


def tier_for(program: LoyaltyProgram, orders: int, spend: Decimal) -> dict | None:
    """The highest tier whose every threshold is met, or None."""
    reached = None
    for tier in program.tiers or []:
        if tier.get("min_orders") is not None and orders < tier["min_orders"]:
            continue
        if tier.get("min_spend") is not None and spend < Decimal(tier["min_spend"]):
            continue
        reached = tier
    return reached


def tier_rule(program: LoyaltyProgram | None, name: str | None) -> dict | None:
    if program is None or name is None:
        return None
    return next((tier for tier in program.tiers or [] if tier["name"] == name), None)


def recompute_tier(shop_domain: str, customer_id: int, now: datetime) -> bool:
    """Move the member into the tier their window earns, up or down; True when it changed.
    The worker's sweep then brings the Shopify customer's tags in line (tagged_tier)."""
    program = active_program(shop_domain)
    if program is None:
        return False
    name = None
    if program.tiers:
        since = now - timedelta(days=program.tier_window_days)
        reached = tier_for(program, *standing(shop_domain, customer_id, since))
        name = reached["name"] if reached else None
    # Every buyer becomes a member when there is a tier or a referral link to give them.
    if name is not None or program.referral_points:
        member = ensure_member(shop_domain, customer_id)
    else:
        member = member_of(shop_domain, customer_id)
    if member is None or member.tier == name:
        return False
    member.tier, member.tier_changed_at = name, now
    db.session.flush()
    return True


def tiered_members(shop_domain: str) -> list[int]:
    """Members holding a tier now: the moving window may take it away."""
    return list(
        db.session.scalars(
            select(LoyaltyMember.customer_id).where(
                LoyaltyMember.shop_domain == shop_domain, LoyaltyMember.tier.is_not(None)
            )
        )
    )


def members_to_tag(limit: int = 500) -> list[int]:
    """Members whose Shopify tag is not their tier yet; a profile Shopify does not know (a
    pop-up lead) has no tag to bring in line."""
    differs = LoyaltyMember.tier.is_distinct_from(LoyaltyMember.tagged_tier)
    in_shopify = Customer.shopify_id.is_not(None)
    return list(
        db.session.scalars(
            select(LoyaltyMember.id)
            .join(Customer, Customer.id == LoyaltyMember.customer_id)
            .where(differs, in_shopify)
            .limit(limit)
        )
    )
