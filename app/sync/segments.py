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
    abandon_after = timedelta(minutes=current_app.config["BATON"].abandon_after_minutes)
    popup_lead = (
        db.session.scalar(
            select(Play.id)
            .where(
                Play.shop_domain == customer.shop_domain,
                or_(Play.customer_id == customer.id, Play.email == customer.email),
            )
            .limit(1)
        )
        is not None
    )
    abandoner = (
        db.session.scalar(
            select(Checkout.id)
            .where(
                Checkout.customer_id == customer.id,
                Checkout.completed_at.is_(None),
                Checkout.started_at < now - abandon_after,
            )
            .limit(1)
        )
        is not None
    )
    recent = bool(
        customer.last_order_at and customer.last_order_at >= now - timedelta(RECENT_BUYER_DAYS)
    )
    return {
        "popup_lead": popup_lead,
        "cart_abandoner": abandoner,
        "recent_buyer": recent,
        "repeat_customer": (customer.orders_count or 0) >= 2,
    }
