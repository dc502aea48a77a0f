"""The loyalty program's KPIs over a date range, with their definitions (README "Loyalty KPIs").

- points redemption rate: points spent on rewards that Shopify issued / points earned, both
  in the range;
- referral completion rate: referrals completed / referrals welcomed, of those started in
  the range;
- repeat purchase rate, members and others: customers with two orders or more / customers
  with one or more, counting orders placed in the range; a member holds points or a tier;
- average order value, members and others: order totals / orders, in the range;
- comeback revenue: totals of orders in the range that used a comeback code.
Cancelled orders count nowhere.
"""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import case, func, select

from app.analytics.numbers import rate
from app.extensions import db
from app.models import LoyaltyMember, LoyaltyReward, Order, PointsEntry, Referral


def loyalty_kpis(shop_domain: str, since: datetime, until: datetime) -> dict:
    earned, redeemed = _points(shop_domain, since, until)
    welcomed, completed = _referrals(shop_domain, since, until)
    members, others = _buyers(shop_domain, since, until)
    return {
        "points_earned": earned,
        "points_redeemed": redeemed,
        "points_redemption_rate": rate(redeemed, earned),
        "referrals_welcomed": welcomed,
        "referrals_completed": completed,
        "referral_completion_rate": rate(completed, welcomed),
        "members": members,
        "others": others,
        "comeback_revenue": str(_comeback_revenue(shop_domain, since, until)),
    }


def kpi_rows(shop_domain: str, since: datetime, until: datetime):
    """The KPIs as CSV rows: a header, then name and value."""
    yield ["kpi", "value"]
    for name, value in loyalty_kpis(shop_domain, since, until).items():
        if isinstance(value, dict):
            for inner, figure in value.items():
                yield [f"{name}_{inner}", figure]
        else:
            yield [name, value]


def _points(shop: str, since: datetime, until: datetime) -> tuple[int, int]:
    in_range = (
        PointsEntry.shop_domain == shop,
        PointsEntry.occurred_at >= since,
        PointsEntry.occurred_at < until,
    )
    earned = db.session.scalar(
        select(func.coalesce(func.sum(PointsEntry.points), 0)).where(
            *in_range, PointsEntry.kind == "earn"
        )
    )
    redeemed = db.session.scalar(
        select(func.coalesce(func.sum(LoyaltyReward.points), 0)).where(
            LoyaltyReward.shop_domain == shop,
            LoyaltyReward.status == "issued",
            LoyaltyReward.created_at >= since,
            LoyaltyReward.created_at < until,
        )
    )
    return int(earned), int(redeemed)


def _referrals(shop: str, since: datetime, until: datetime) -> tuple[int, int]:
    welcomed, completed = db.session.execute(
        select(
            func.count(Referral.id),
            func.coalesce(func.sum(case((Referral.status == "completed", 1), else_=0)), 0),
        ).where(
            Referral.shop_domain == shop,
            Referral.welcome_reward_id.is_not(None),
            Referral.created_at >= since,
            Referral.created_at < until,
        )
    ).one()
    return int(welcomed), int(completed)


def _buyers(shop: str, since: datetime, until: datetime) -> tuple[dict, dict]:
    member = Order.customer_id.in_(
        select(LoyaltyMember.customer_id).where(LoyaltyMember.shop_domain == shop)
    ) | Order.customer_id.in_(
        select(PointsEntry.customer_id).where(PointsEntry.shop_domain == shop)
    )
    per_customer = (
        select(
            Order.customer_id,
            case((member, True), else_=False).label("member"),
            func.count(Order.id).label("orders"),
            func.sum(Order.total).label("spent"),
        )
        .where(
            Order.shop_domain == shop,
            Order.customer_id.is_not(None),
            Order.cancelled_at.is_(None),
            Order.placed_at >= since,
            Order.placed_at < until,
        )
        .group_by(Order.customer_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            per_customer.c.member,
            func.count(),
            func.coalesce(func.sum(case((per_customer.c.orders >= 2, 1), else_=0)), 0),
            func.coalesce(func.sum(per_customer.c.orders), 0),
            func.coalesce(func.sum(per_customer.c.spent), 0),
        ).group_by(per_customer.c.member)
    ).all()
    found = {bool(row[0]): row[1:] for row in rows}
    return _group(found.get(True)), _group(found.get(False))


def _group(row) -> dict:
    buyers, repeat, orders, spent = row or (0, 0, 0, 0)
    average = (Decimal(spent) / orders).quantize(Decimal("0.01")) if orders else Decimal("0")
    return {
        "buyers": int(buyers),
        "repeat_buyers": int(repeat),
        "repeat_purchase_rate": rate(int(repeat), int(buyers)),
        "orders": int(orders),
        "average_order_value": str(average),
    }


def _comeback_revenue(shop: str, since: datetime, until: datetime) -> Decimal:
    codes = {
        code.upper()
        for code in db.session.scalars(
            select(LoyaltyReward.code).where(
                LoyaltyReward.shop_domain == shop, LoyaltyReward.source == "comeback"
            )
        )
    }
    if not codes:
        return Decimal("0.00")
    total = Decimal("0.00")
    orders = db.session.execute(
        select(Order.total, Order.discount_codes).where(
            Order.shop_domain == shop,
            Order.cancelled_at.is_(None),
            Order.placed_at >= since,
            Order.placed_at < until,
        )
    )
    for order_total, used in orders:
        if any(str(entry.get("code", "")).upper() in codes for entry in used or []):
            total += Decimal(order_total)
    return total
