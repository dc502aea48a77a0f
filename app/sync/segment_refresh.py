"""Segments that change with time alone: a buyer stops being recent, a checkout is abandoned.

No webhook marks those moments, so the sweeper asks, every few seconds, who crossed a
boundary since it last looked, and queues a profile update for each. The task's subject
names the moment crossed, so looking at the same stretch of time twice queues nothing new.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Checkout, Customer, PlatformConnection
from app.sync.outbox import queue_sync
from app.sync.segments import RECENT_BUYER_DAYS


def queue_segment_changes(since: datetime, until: datetime) -> int:
    """A profile task for every customer whose segments flipped in (since, until]."""
    connected = select(PlatformConnection.shop_domain).distinct().scalar_subquery()
    recent = timedelta(days=RECENT_BUYER_DAYS)
    abandon = timedelta(minutes=current_app.config["BATON"].abandon_after_minutes)
    left_recent_buyers = db.session.execute(
        select(Customer.shop_domain, Customer.id, Customer.last_order_at).where(
            Customer.shop_domain.in_(connected),
            Customer.email.is_not(None),
            Customer.last_order_at > since - recent,
            Customer.last_order_at <= until - recent,
        )
    ).all()
    abandoned = db.session.execute(
        select(Checkout.shop_domain, Checkout.customer_id, Checkout.started_at).where(
            Checkout.shop_domain.in_(connected),
            Checkout.customer_id.is_not(None),
            Checkout.completed_at.is_(None),
            Checkout.started_at > since - abandon,
            Checkout.started_at <= until - abandon,
        )
    ).all()
    crossings = {(shop, customer_id, at + recent) for shop, customer_id, at in left_recent_buyers}
    crossings |= {(shop, customer_id, at + abandon) for shop, customer_id, at in abandoned}
    queued = 0
    for shop, customer_id, moment in sorted(crossings):
        queued += queue_sync(shop, "profile", f"{customer_id}@{moment.isoformat()}") > 0
    db.session.commit()
    return queued
