"""Daily figures for the dashboard's time series: impressions, plays, leads, redemptions."""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import CampaignDailyStat, CouponCode, Play

SERIES = ("impressions", "plays", "leads", "redemptions")


def daily_series(shop_domain: str, since: datetime, until: datetime) -> dict:
    """{"days": [...], "impressions": [...], ...}, one value per day, zeros included."""
    days = _days(since.date(), until.date())
    values = {name: dict.fromkeys(days, 0) for name in SERIES}
    values["revenue"] = dict.fromkeys(days, 0.0)
    for day, impressions in db.session.execute(
        select(CampaignDailyStat.day, func.sum(CampaignDailyStat.impressions))
        .where(
            CampaignDailyStat.shop_domain == shop_domain,
            CampaignDailyStat.day.between(since.date(), until.date()),
        )
        .group_by(CampaignDailyStat.day)
    ):
        _put(values["impressions"], day, impressions)
    played_on = func.date(Play.created_at)
    for day, plays, leads in db.session.execute(
        select(played_on, func.count(Play.id), func.count(Play.email))
        .where(Play.shop_domain == shop_domain, Play.created_at.between(since, until))
        .group_by(played_on)
    ):
        _put(values["plays"], day, plays)
        _put(values["leads"], day, leads)
    redeemed_on = func.date(CouponCode.redeemed_at)
    for day, redemptions, revenue in db.session.execute(
        select(redeemed_on, func.count(CouponCode.id), func.sum(CouponCode.attributed_revenue))
        .where(
            CouponCode.shop_domain == shop_domain,
            CouponCode.play_id.is_not(None),
            CouponCode.redeemed_at.between(since, until),
        )
        .group_by(redeemed_on)
    ):
        _put(values["redemptions"], day, redemptions)
        _put(values["revenue"], day, float(revenue or 0))
    return {"days": days} | {name: list(found.values()) for name, found in values.items()}


def _days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _put(column: dict, day, value) -> None:
    key = day.isoformat() if isinstance(day, date) else str(day)[:10]
    if key in column:
        column[key] += value or 0
