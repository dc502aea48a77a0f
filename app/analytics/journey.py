"""The journey KPIs: what happened to the people after the pop-up, not just at it.

- lead-to-purchase: of the people who left an email in the range, the share who ordered
  afterwards, and the median time from their first play to that first order;
- redemption rate: codes redeemed over codes issued, for plays in the range;
- cart recovery: checkouts started in the range and abandoned (not completed within the
  abandonment window), and the share of those completed later, split by whether a recovery
  email went out;
- pop-up leads against other customers: repeat purchase rate (two or more orders among those
  with one) and revenue per person (every lead counts, buyer or not).
"""

import statistics
from datetime import datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import and_, func, select

from app.analytics.carts import cart_kpis
from app.analytics.numbers import abandoned, rate, utc
from app.extensions import db
from app.models import Checkout, CouponCode, Customer, Order, Play


def journey_kpis(shop_domain: str, since: datetime, until: datetime) -> dict:
    return {
        "lead_to_purchase": lead_to_purchase(shop_domain, since, until),
        "redemption": redemption(shop_domain, since, until),
        "cart_recovery": cart_recovery(shop_domain, since, until),
        "leads_against_others": leads_against_others(shop_domain, since, until),
        "carts": cart_kpis(shop_domain, since, until),
    }


def lead_to_purchase(shop_domain: str, since: datetime, until: datetime) -> dict:
    first_play = (
        select(Play.email, func.min(Play.created_at).label("played_at"))
        .where(
            Play.shop_domain == shop_domain,
            Play.email.is_not(None),
            Play.created_at.between(since, until),
        )
        .group_by(Play.email)
        .subquery()
    )
    rows = db.session.execute(
        select(first_play.c.played_at, func.min(Order.placed_at))
        .select_from(first_play)
        .outerjoin(
            Order,
            and_(
                Order.shop_domain == shop_domain,
                Order.email == first_play.c.email,
                Order.placed_at >= first_play.c.played_at,
                Order.cancelled_at.is_(None),
            ),
        )
        .group_by(first_play.c.email, first_play.c.played_at)
    ).all()
    waits = [
        (utc(ordered) - utc(played)).total_seconds() / 3600 for played, ordered in rows if ordered
    ]
    return {
        "leads": len(rows),
        "purchased": len(waits),
        "rate": rate(len(waits), len(rows)),
        "median_hours_to_first_purchase": round(statistics.median(waits), 1) if waits else None,
    }


def redemption(shop_domain: str, since: datetime, until: datetime) -> dict:
    issued, redeemed = db.session.execute(
        select(func.count(CouponCode.id), func.count(CouponCode.redeemed_at))
        .join(Play, Play.id == CouponCode.play_id)
        .where(Play.shop_domain == shop_domain, Play.created_at.between(since, until))
    ).one()
    return {"issued": issued, "redeemed": redeemed, "rate": rate(redeemed, issued)}


def cart_recovery(shop_domain: str, since: datetime, until: datetime) -> dict:
    window = timedelta(minutes=current_app.config["BATON"].abandon_after_minutes)
    checkouts = db.session.execute(
        select(Checkout.started_at, Checkout.completed_at, Checkout.recovery_emailed_at).where(
            Checkout.shop_domain == shop_domain, Checkout.started_at.between(since, until)
        )
    ).all()
    split = {"emailed": [0, 0], "not_emailed": [0, 0]}  # [abandoned, recovered]
    for started, completed, emailed in checkouts:
        if not abandoned(started, completed, window):
            continue
        counts = split["emailed" if emailed else "not_emailed"]
        counts[0] += 1
        counts[1] += completed is not None
    total_abandoned = sum(counts[0] for counts in split.values())
    recovered = sum(counts[1] for counts in split.values())
    return {
        "abandoned": total_abandoned,
        "recovered": recovered,
        "rate": rate(recovered, total_abandoned),
    } | {
        name: {"abandoned": a, "recovered": r, "rate": rate(r, a)} for name, (a, r) in split.items()
    }


def leads_against_others(shop_domain: str, since: datetime, until: datetime) -> dict:
    lead_emails = (
        select(Play.email)
        .where(
            Play.shop_domain == shop_domain,
            Play.email.is_not(None),
            Play.created_at.between(since, until),
        )
        .distinct()
        .subquery()
    )
    is_lead = Customer.email.in_(select(lead_emails.c.email))
    rows = db.session.execute(
        select(
            is_lead,
            func.count(Customer.id),
            func.sum(func.coalesce(Customer.total_spent, 0)),
            func.count(Customer.id).filter(Customer.orders_count >= 1),
            func.count(Customer.id).filter(Customer.orders_count >= 2),
        )
        .where(Customer.shop_domain == shop_domain, Customer.deleted_at.is_(None))
        .group_by(is_lead)
    ).all()
    groups = {bool(lead): row for lead, *row in rows}
    # A lead who never became a customer still counts: revenue per lead, not per buyer.
    leads_total = db.session.scalar(select(func.count()).select_from(lead_emails)) or 0
    return {
        "popup_leads": _group(groups.get(True), people=leads_total),
        "other_customers": _group(groups.get(False)),
    }


def _group(row, people: int | None = None) -> dict:
    customers, spent, buyers, repeat = row or (0, 0, 0, 0)
    people = customers if people is None else people
    return {
        "people": people,
        "buyers": buyers,
        "repeat_buyers": repeat,
        "repeat_purchase_rate": rate(repeat, buyers),
        "revenue": str(Decimal(spent or 0).quantize(Decimal("0.01"))),
        "revenue_per_person": str((Decimal(spent or 0) / people).quantize(Decimal("0.01")))
        if people
        else "0.00",
    }


def shop_currency(shop_domain: str) -> str | None:
    """The currency most of the shop's orders are in, for money figures; None before any."""
    return db.session.scalar(
        select(Order.currency)
        .where(Order.shop_domain == shop_domain, Order.currency.is_not(None))
        .group_by(Order.currency)
        .order_by(func.count().desc(), Order.currency)
        .limit(1)
    )
