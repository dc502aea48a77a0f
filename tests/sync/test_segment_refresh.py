"""Segments that change with the clock alone reach the platforms without any webhook."""

from datetime import timedelta
from decimal import Decimal

from app.extensions import db, redis_queues
from app.models import Checkout, Customer
from app.models.types import utcnow
from app.sync.segment_refresh import queue_segment_changes
from tests.shopify_signing import SHOP
from workers.sweeper import SEGMENTS_WATERMARK, refresh_time_based_segments


def customer(email: str, **fields) -> Customer:
    found = Customer(
        shop_domain=SHOP, email=email, orders_count=1, total_spent=Decimal(50), **fields
    )
    db.session.add(found)
    db.session.commit()
    return found


def test_a_buyer_stops_being_recent_and_an_open_checkout_becomes_abandoned(
    app, connected, run_worker, klaviyo, mailchimp
):
    now = utcnow()
    redis_queues.connection.set(SEGMENTS_WATERMARK, (now - timedelta(minutes=10)).isoformat())
    # Bought 30 days ago, minus five minutes: stopped being a recent buyer five minutes ago.
    customer("old@example.com", last_order_at=now - timedelta(days=30, minutes=5))
    customer("new@example.com", last_order_at=now - timedelta(days=29))
    shopper = customer("cart@example.com", last_order_at=now - timedelta(days=60))
    shopper_id = shopper.id
    minutes = app.config["BATON"].abandon_after_minutes
    db.session.add(
        Checkout(
            shop_domain=SHOP,
            token="ck-open",
            email="cart@example.com",
            customer_id=shopper_id,
            started_at=now - timedelta(minutes=minutes + 3),
        )
    )
    db.session.commit()
    assert refresh_time_based_segments() == 2
    run_worker()
    assert klaviyo.profile("old@example.com").properties["baton_recent_buyer"] is False
    assert klaviyo.profile("cart@example.com").properties["baton_cart_abandoner"] is True
    assert klaviyo.profile("new@example.com") is None  # nothing changed for them
    assert "baton-cart-abandoner" in mailchimp.member("list1", "cart@example.com").tags
    # The next look starts where this one ended; the same stretch looked at again adds nothing.
    assert refresh_time_based_segments() == 0
    assert queue_segment_changes(now - timedelta(minutes=10), now) == 0


def test_shops_without_a_platform_are_not_looked_at(app, run_worker, installed_shop):
    installed_shop()
    now = utcnow()
    customer("old@example.com", last_order_at=now - timedelta(days=30, minutes=5))
    assert queue_segment_changes(now - timedelta(minutes=10), now) == 0
