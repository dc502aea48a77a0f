"""Cart measures for the analytics page: assisted selling, recovery by device, cross-device.

A cart's device is its visitor's, as the widget reported it (a play or an offer). Cross-device
completion: an order whose customer had, in the week before, a cart from another visitor on
another device, known through the stitched visitor, cart and customer.
"""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from app.analytics.numbers import abandoned, rate, utc
from app.extensions import db
from app.models import CampaignExposure, Cart, Checkout, Order, Play

CROSS_DEVICE_WINDOW = timedelta(days=7)


def cart_kpis(shop_domain: str, since: datetime, until: datetime) -> dict:
    return {
        "assisted": assisted(shop_domain, since, until),
        "recovery_by_device": recovery_by_device(shop_domain, since, until),
        "cross_device": cross_device(shop_domain, since, until),
    }


def assisted(shop_domain: str, since: datetime, until: datetime) -> dict:
    orders, revenue = db.session.execute(
        select(func.count(Order.id), func.sum(Order.total)).where(
            Order.shop_domain == shop_domain,
            Order.assisted.is_(True),
            Order.placed_at.between(since, until),
            Order.cancelled_at.is_(None),
        )
    ).one()
    return {"orders": orders, "revenue": f"{revenue or 0:.2f}"}


def recovery_by_device(shop_domain: str, since: datetime, until: datetime) -> dict:
    window = timedelta(minutes=current_app.config["BATON"].abandon_after_minutes)
    rows = db.session.execute(
        select(Checkout.started_at, Checkout.completed_at, Cart.visitor_key)
        .outerjoin(
            Cart, (Cart.shop_domain == Checkout.shop_domain) & (Cart.token == Checkout.cart_token)
        )
        .where(Checkout.shop_domain == shop_domain, Checkout.started_at.between(since, until))
    ).all()
    devices = _devices(shop_domain, {visitor for _, _, visitor in rows if visitor})
    found: dict[str, list[int]] = {}
    for started, completed, visitor in rows:
        if not abandoned(started, completed, window):
            continue
        counts = found.setdefault(devices.get(visitor) or "unknown", [0, 0])
        counts[0] += 1
        counts[1] += completed is not None
    return {
        device: {"abandoned": a, "recovered": r, "rate": rate(r, a)}
        for device, (a, r) in sorted(found.items())
    }


def cross_device(shop_domain: str, since: datetime, until: datetime) -> dict:
    orders = db.session.execute(
        select(Order.customer_id, Order.placed_at, Cart.visitor_key)
        .join(Cart, (Cart.shop_domain == Order.shop_domain) & (Cart.token == Order.cart_token))
        .where(
            Order.shop_domain == shop_domain,
            Order.placed_at.between(since, until),
            Order.customer_id.is_not(None),
            Cart.visitor_key.is_not(None),
        )
    ).all()
    customers = {customer for customer, _, _ in orders}
    earlier = db.session.execute(
        select(Cart.customer_id, Cart.visitor_key, Cart.created_at).where(
            Cart.shop_domain == shop_domain,
            Cart.customer_id.in_(customers),
            Cart.visitor_key.is_not(None),
        )
    ).all()
    devices = _devices(shop_domain, {v for _, _, v in orders} | {v for _, v, _ in earlier})
    known = crossed = 0
    for customer, placed, visitor in orders:
        device = devices.get(visitor)
        if device is None:
            continue
        known += 1
        crossed += any(
            other_customer == customer
            and other_visitor != visitor
            and devices.get(other_visitor) not in (None, device)
            and utc(placed) - CROSS_DEVICE_WINDOW <= utc(started) <= utc(placed)
            for other_customer, other_visitor, started in earlier
        )
    return {
        "orders_with_known_device": known,
        "cross_device_orders": crossed,
        "share": rate(crossed, known),
    }


def _devices(shop_domain: str, visitors: set[str]) -> dict[str, str]:
    """Each visitor's device, from their newest play, else from the offers they were shown."""
    found = dict(
        db.session.execute(
            select(CampaignExposure.visitor_key, CampaignExposure.device).where(
                CampaignExposure.shop_domain == shop_domain,
                CampaignExposure.visitor_key.in_(visitors),
                CampaignExposure.device.is_not(None),
            )
        ).all()
    )
    for visitor, device in db.session.execute(
        select(Play.visitor_key, Play.device)
        .where(
            Play.shop_domain == shop_domain,
            Play.visitor_key.in_(visitors),
            Play.device.is_not(None),
        )
        .order_by(Play.id)
    ):
        found[visitor] = device
    return found
