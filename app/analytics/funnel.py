"""The pop-up funnel, from impression to attributed revenue, by campaign, variant, game or device.

Impressions and opens are unique engaged visitors per day (see tracking.py); everything from
plays on is exact, counted from the plays themselves and the codes they issued. Lift compares
exposed and held-out visitors: the share of each who placed an order after their first offer.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import String, and_, case, cast, distinct, func, select

from app.analytics.numbers import rate
from app.extensions import db
from app.models import (
    HOLDOUT,
    Campaign,
    CampaignDailyStat,
    CampaignExposure,
    Cart,
    CouponCode,
    Order,
    Play,
)

DIMENSIONS = ("campaign", "variant", "game", "device")
STEPS = ("impressions", "opens", "plays", "leads", "codes_issued", "codes_redeemed", "orders")


@dataclass
class FunnelRow:
    key: str
    label: str
    impressions: int = 0
    opens: int = 0
    plays: int = 0
    leads: int = 0
    consented_leads: int = 0
    codes_issued: int = 0
    codes_redeemed: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0")
    code_cost: Decimal = Decimal("0")
    lift: dict | None = field(default=None)

    def as_json(self) -> dict:
        data = asdict(self)
        data["revenue"], data["code_cost"] = str(self.revenue), str(self.code_cost)
        return data


def funnel(shop_domain: str, since: datetime, until: datetime, by: str) -> list[FunnelRow]:
    """One row per campaign, variant, game or device that had any activity in the range."""
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {DIMENSIONS}")
    names = dict(
        db.session.execute(
            select(Campaign.id, Campaign.name).where(Campaign.shop_domain == shop_domain)
        ).all()
    )
    rows: dict[str, FunnelRow] = {}

    def row(key) -> FunnelRow:
        key = _key(by, key)
        if key not in rows:
            rows[key] = FunnelRow(key=key, label=_label(by, key, names))
        return rows[key]

    for key, impressions, opens in _widget_counts(shop_domain, since, until, by):
        found = row(key)
        found.impressions, found.opens = int(impressions or 0), int(opens or 0)
    for key, *counts in _play_counts(shop_domain, since, until, by):
        found = row(key)
        (found.plays, found.leads, found.consented_leads, found.codes_issued) = (
            int(count or 0) for count in counts
        )
    for key, redeemed, revenue, cost in _redemptions(shop_domain, since, until, by):
        found = row(key)
        found.codes_redeemed = found.orders = int(redeemed or 0)
        found.revenue, found.code_cost = _money(revenue), _money(cost)
    if by == "campaign":
        for key, found in rows.items():
            found.lift = lift(shop_domain, int(key), since, until)
    return sorted(rows.values(), key=lambda r: (-r.plays, -r.impressions, r.label))


def totals(rows: list[FunnelRow]) -> FunnelRow:
    """The funnel of everything in the rows (for one dimension, so nothing counts twice)."""
    total = FunnelRow(key="all", label="All campaigns")
    for found in rows:
        for name in (*STEPS, "consented_leads"):
            setattr(total, name, getattr(total, name) + getattr(found, name))
        total.revenue += found.revenue
        total.code_cost += found.code_cost
    return total


def lift(shop_domain: str, campaign_id: int, since: datetime, until: datetime) -> dict | None:
    """Order rate of visitors shown the campaign against those held out, when there is a holdout."""
    held = CampaignExposure.variant_key == HOLDOUT
    exposed = dict(
        db.session.execute(
            select(held, func.count())
            .where(
                CampaignExposure.shop_domain == shop_domain,
                CampaignExposure.campaign_id == campaign_id,
                CampaignExposure.first_seen_at.between(since, until),
            )
            .group_by(held)
        ).all()
    )
    if not exposed.get(True):
        return None
    converted = dict(
        db.session.execute(
            select(held, func.count(distinct(CampaignExposure.id)))
            .join(
                Cart,
                and_(
                    Cart.shop_domain == CampaignExposure.shop_domain,
                    Cart.visitor_key == CampaignExposure.visitor_key,
                ),
            )
            .join(
                Order,
                and_(Order.shop_domain == Cart.shop_domain, Order.cart_token == Cart.token),
            )
            .where(
                CampaignExposure.shop_domain == shop_domain,
                CampaignExposure.campaign_id == campaign_id,
                CampaignExposure.first_seen_at.between(since, until),
                Order.placed_at >= CampaignExposure.first_seen_at,
                Order.cancelled_at.is_(None),
            )
            .group_by(held)
        ).all()
    )
    shown_rate = rate(converted.get(False, 0), exposed.get(False, 0))
    held_rate = rate(converted.get(True, 0), exposed[True])
    return {
        "shown_visitors": exposed.get(False, 0),
        "holdout_visitors": exposed[True],
        "shown_order_rate": shown_rate,
        "holdout_order_rate": held_rate,
        # Relative lift; None while the holdout has no orders to compare with.
        "lift": round((shown_rate - held_rate) / held_rate, 4) if held_rate else None,
    }


def _group_column(by: str, model):
    if by == "campaign":
        return model.campaign_id
    if by == "variant":
        # Campaign and variant together: "A" of one campaign is not "A" of another.
        return cast(model.campaign_id, String) + ":" + func.coalesce(model.variant_key, "")
    if by == "game":
        return Campaign.game
    return func.coalesce(model.device, "unknown")


def _grouped(query, by: str, group, model):
    # The game lives on the campaign: only that breakdown needs the join.
    if by == "game":
        query = query.join(Campaign, Campaign.id == model.campaign_id)
    return db.session.execute(query.group_by(group)).all()


def _widget_counts(shop_domain, since, until, by):
    group = _group_column(by, CampaignDailyStat)
    query = (
        select(
            group, func.sum(CampaignDailyStat.impressions), func.sum(CampaignDailyStat.opens)
        ).select_from(CampaignDailyStat)
    ).where(
        CampaignDailyStat.shop_domain == shop_domain,
        CampaignDailyStat.day.between(since.date(), until.date()),
        CampaignDailyStat.variant_key != "preview",
    )
    return _grouped(query, by, group, CampaignDailyStat)


def _play_counts(shop_domain, since, until, by):
    group = _group_column(by, Play)
    query = (
        select(
            group,
            func.count(Play.id),
            func.count(Play.email),
            func.sum(case((and_(Play.email.is_not(None), Play.consented), 1), else_=0)),
            func.count(Play.code),
        )
        .select_from(Play)
        .where(Play.shop_domain == shop_domain, Play.created_at.between(since, until))
    )
    return _grouped(query, by, group, Play)


def _redemptions(shop_domain, since, until, by):
    group = _group_column(by, Play)
    query = (
        select(
            group,
            func.count(CouponCode.id),
            func.sum(CouponCode.attributed_revenue),
            func.sum(CouponCode.discount_amount),
        )
        .select_from(Play)
        .join(CouponCode, CouponCode.play_id == Play.id)
        .where(
            Play.shop_domain == shop_domain,
            Play.created_at.between(since, until),
            CouponCode.redeemed_at.is_not(None),
        )
    )
    return _grouped(query, by, group, Play)


def _key(by: str, raw) -> str:
    return str(raw) if raw is not None else "unknown"


def _label(by: str, key: str, names: dict) -> str:
    if by == "campaign":
        return names.get(int(key), f"Campaign {key}") if key.isdigit() else key
    if by == "variant":
        campaign_id, _, variant = key.partition(":")
        name = names.get(int(campaign_id), campaign_id) if campaign_id.isdigit() else campaign_id
        return f"{name} · {variant or 'none'}"
    return key.replace("_", " ").capitalize()


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))
