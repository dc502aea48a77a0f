"""The loyalty journeys the sweeper runs: points that lapse after a period without activity,
the warning before they do, and a comeback code for a customer who stopped ordering.

Each occasion has a key of its own (the member's last activity, the last order's day), so a
sweep that runs twice, or on two workers, lapses, warns and gives once per occasion.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, case, func, select

from app.extensions import db
from app.loyalty.ledger import record_entry
from app.models import Customer, LoyaltyMember, LoyaltyProgram, LoyaltyReward, PointsEntry
from app.shopify.discount_codes import new_code
from app.upserts import insert_ignore

# What keeps points alive: earning them or spending them.
ACTIVE_KINDS = ("earn", "redeem")
# Comeback codes made per shop and sweep: the next sweep makes the rest.
COMEBACK_BATCH = 500


@dataclass(frozen=True)
class Holding:
    customer_id: int
    points: int
    last_active: datetime


def holdings(shop_domain: str, customer_ids: list[int] | None = None) -> list[Holding]:
    """Members holding points, with their last earn or spend, in one grouped query."""
    active = case((PointsEntry.kind.in_(ACTIVE_KINDS), PointsEntry.occurred_at))
    query = (
        select(PointsEntry.customer_id, func.sum(PointsEntry.points), func.max(active))
        .where(PointsEntry.shop_domain == shop_domain)
        .group_by(PointsEntry.customer_id)
        .having(func.sum(PointsEntry.points) > 0)
    )
    if customer_ids is not None:
        query = query.where(PointsEntry.customer_id.in_(customer_ids))
    return [
        Holding(customer_id, int(points), last_active)
        for customer_id, points, last_active in db.session.execute(query)
        if last_active is not None
    ]


def expires_at(program: LoyaltyProgram, holding: Holding) -> datetime | None:
    if not program.expiry_days:
        return None
    return holding.last_active + timedelta(days=program.expiry_days)


def expire_lapsed(program: LoyaltyProgram, now: datetime) -> list[int]:
    """Take back the points of members inactive for the program's expiry days."""
    lapsed = []
    for holding in holdings(program.shop_domain):
        ends = expires_at(program, holding)
        if ends is None or ends > now:
            continue
        key = f"expire:{holding.customer_id}:{holding.last_active.isoformat()}"
        shop, customer_id = program.shop_domain, holding.customer_id
        if record_entry(shop, customer_id, "expire", -holding.points, "inactivity", key, ends):
            lapsed.append(customer_id)
    return lapsed


def expiring_soon(program: LoyaltyProgram, now: datetime) -> list[tuple[Holding, datetime]]:
    """Members whose points lapse within the program's warning days."""
    warn_from = now + timedelta(days=program.expiry_warning_days)
    found = []
    for holding in holdings(program.shop_domain):
        ends = expires_at(program, holding)
        if ends is not None and now < ends <= warn_from:
            found.append((holding, ends))
    return found


def expiry_occasion(customer_id: int, ends: datetime) -> str:
    return f"expiring:{customer_id}:{ends.date().isoformat()}"


def current_expiry(program: LoyaltyProgram, customer_id: int) -> tuple[int, datetime] | None:
    """The member's points and when they lapse now (a warning is sent only if still true)."""
    found = holdings(program.shop_domain, [customer_id])
    if not found:
        return None
    ends = expires_at(program, found[0])
    return None if ends is None else (found[0].points, ends)


def give_comeback_codes(program: LoyaltyProgram, now: datetime) -> list[int]:
    """A code for each customer whose last order is older than the program's comeback days,
    once per last order; the ids of the rewards made (their codes are made by the worker)."""
    if not program.comeback_days:
        return []
    shop = program.shop_domain
    earlier_gift = select(LoyaltyReward.id).where(
        LoyaltyReward.customer_id == Customer.id,
        LoyaltyReward.source == "comeback",
        LoyaltyReward.created_at >= Customer.last_order_at,
    )
    candidates = db.session.execute(
        select(Customer.id, Customer.last_order_at)
        .where(
            and_(
                Customer.shop_domain == shop,
                Customer.shopify_id.is_not(None),
                Customer.email.is_not(None),
                Customer.deleted_at.is_(None),
                Customer.last_order_at <= now - timedelta(days=program.comeback_days),
            ),
            ~earlier_gift.exists(),
        )
        .order_by(Customer.id)
        .limit(COMEBACK_BATCH)
    ).all()
    made = []
    for customer_id, last_order_at in candidates:
        occasion = f"comeback:{customer_id}:{last_order_at.date().isoformat()}"
        gift = Gift(shop, customer_id, occasion, "comeback", "amount_off", program.comeback_value)
        reward_id = give(gift, now + timedelta(days=program.reward_expiry_days), now)
        if reward_id is not None:
            made.append(reward_id)
    return made


def give_tier_perks(program: LoyaltyProgram, now: datetime) -> list[int]:
    """A free-shipping code each calendar month for members of a tier that grants it."""
    perks = {tier["name"] for tier in program.tiers or [] if tier.get("free_shipping_monthly")}
    if not perks:
        return []
    month = now.strftime("%Y-%m")
    members = db.session.scalars(
        select(LoyaltyMember.customer_id).where(
            LoyaltyMember.shop_domain == program.shop_domain, LoyaltyMember.tier.in_(perks)
        )
    )
    made = []
    for customer_id in members:
        occasion = f"perk:{customer_id}:{month}"
        gift = Gift(program.shop_domain, customer_id, occasion, "tier_perk", "free_shipping", 0)
        reward_id = give(gift, now + timedelta(days=program.reward_expiry_days), now)
        if reward_id is not None:
            made.append(reward_id)
    return made


@dataclass(frozen=True)
class Gift:
    shop_domain: str
    customer_id: int
    occasion: str
    source: str
    kind: str
    value: Decimal | int


def give(gift: Gift, ends_at: datetime, now: datetime) -> int | None:
    """A code that costs no points, once per occasion; its id, or None when given before."""
    row = {
        "shop_domain": gift.shop_domain,
        "customer_id": gift.customer_id,
        "points": 0,
        "value": gift.value,
        "code": new_code("GIFT"),
        "kind": gift.kind,
        "status": "pending",
        "source": gift.source,
        "occasion": gift.occasion,
        "ends_at": ends_at,
        "created_at": now,
    }
    if not insert_ignore(LoyaltyReward, row):
        return None
    return db.session.scalar(
        select(LoyaltyReward.id).where(
            LoyaltyReward.shop_domain == gift.shop_domain,
            LoyaltyReward.occasion == gift.occasion,
        )
    )


def enabled_programs() -> list[LoyaltyProgram]:
    return list(db.session.scalars(select(LoyaltyProgram).where(LoyaltyProgram.enabled)))
