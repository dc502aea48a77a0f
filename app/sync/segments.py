"""The segments Baton keeps on each platform, computed from the unified profile."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select

from app.extensions import db
from app.models import Checkout, Customer, Play

SEGMENTS = ("popup_lead", "cart_abandoner", "recent_buyer", "repeat_customer")
# Recent buyers are suppressed from acquisition messages for this long.
RECENT_BUYER_DAYS = 30


def segments_of(customer: Customer, now: datetime) -> dict[str, bool]:
    """In or out of each segment, so platforms can move people out as well as in."""
    return segments_of_many([customer], now)[customer.id]


def segments_of_many(customers: list[Customer], now: datetime) -> dict[int, dict[str, bool]]:
    """Segments for a page of one shop's customers, in two queries whatever its size."""
    if not customers:
        return {}
    shop_domain = customers[0].shop_domain
    ids = [customer.id for customer in customers]
    emails = [customer.email for customer in customers if customer.email]
    played = db.session.execute(
        select(Play.customer_id, Play.email).where(
            Play.shop_domain == shop_domain,
            or_(Play.customer_id.in_(ids), Play.email.in_(emails)),
        )
    ).all()
    lead_ids = {customer_id for customer_id, _ in played}
    lead_emails = {email for _, email in played}
    abandon_after = timedelta(minutes=current_app.config["BATON"].abandon_after_minutes)
    abandoner_ids = set(
        db.session.scalars(
            select(Checkout.customer_id).where(
                Checkout.customer_id.in_(ids),
                Checkout.completed_at.is_(None),
                Checkout.started_at < now - abandon_after,
            )
        )
    )
    recent_since = now - timedelta(RECENT_BUYER_DAYS)
    return {
        customer.id: {
            "popup_lead": customer.id in lead_ids or customer.email in lead_emails,
            "cart_abandoner": customer.id in abandoner_ids,
            "recent_buyer": bool(customer.last_order_at and customer.last_order_at >= recent_since),
            "repeat_customer": (customer.orders_count or 0) >= 2,
        }
        for customer in customers
    }
