"""Tiers move both ways: up with paid orders, down with refunds and as the window moves;
the Shopify customer's tag follows (tagsAdd/tagsRemove on the Admin fake), and a tier's
monthly free-shipping perk is given once a month."""

from datetime import datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LoyaltyMember, LoyaltyReward
from tests import payloads
from tests.payloads import BIG_ID
from tests.shopify_signing import bearer, post_webhook, session_token
from workers.loyalty import queue_tier_tags, run_loyalty_journeys

SHOPPER = f"gid://shopify/Customer/{BIG_ID}"
TIERS = [
    {"name": "Silver", "min_orders": 2},
    {"name": "Gold", "min_orders": 3, "min_spend": "100", "free_shipping_monthly": True},
]


@pytest.fixture(autouse=True)
def program(client, installed_shop):
    installed_shop()
    rules = {"enabled": True, "tiers": TIERS, "tier_window_days": 365}
    saved = client.put("/admin/api/loyalty/program", json=rules, headers=bearer(session_token()))
    assert saved.status_code == 200, saved.get_json()


@pytest.fixture
def orders(client):
    def place(*ids):
        for number in ids:
            order = payloads.order(id=number, checkout_token=f"ck-{number}")
            assert post_webhook(client, "orders/paid", order).status_code == 200

    return place


def tier() -> str | None:
    db.session.expire_all()
    return db.session.scalar(select(LoyaltyMember.tier))


def tags_in_shopify(shopify, run_worker) -> list[str]:
    queue_tier_tags()
    run_worker()
    return shopify.state.get("customer_tags", {}).get(SHOPPER, [])


def test_orders_lift_a_member_and_shopify_tags_the_customer(orders, run_worker, shopify):
    orders(1, 2)
    run_worker()
    assert tier() == "Silver"
    assert tags_in_shopify(shopify, run_worker) == ["baton-tier-silver"]
    orders(3)  # 3 orders, 114.00 spent
    run_worker()
    assert tier() == "Gold"
    assert tags_in_shopify(shopify, run_worker) == ["baton-tier-gold"]
    assert tags_in_shopify(shopify, run_worker) == ["baton-tier-gold"]  # nothing left to do


def test_a_refund_and_the_moving_window_take_a_tier_away(client, orders, run_worker, shopify):
    orders(1, 2, 3)
    run_worker()
    assert tier() == "Gold"
    # 19.00 back: 95.00 spent in the window, under Gold's 100.00.
    post_webhook(client, "refunds/create", payloads.refund(order_id=3, amount="19.00"))
    run_worker()
    assert tier() == "Silver"
    assert tags_in_shopify(shopify, run_worker) == ["baton-tier-silver"]
    # A year after the orders (placed 2026-11-22) the window holds none of them.
    run_loyalty_journeys(datetime.fromisoformat("2027-11-23T00:00:00+00:00"))
    assert tier() is None
    assert tags_in_shopify(shopify, run_worker) == []


def test_a_cancellation_counts_one_order_less(client, orders, run_worker):
    orders(1, 2)
    run_worker()
    cancelled = payloads.cancelled_order(id=2, checkout_token="ck-2")
    post_webhook(client, "orders/cancelled", cancelled)
    run_worker()
    assert tier() is None


def test_gold_gets_a_free_shipping_code_once_a_month(orders, run_worker, shopify):
    orders(1, 2, 3)
    run_worker()
    december = datetime.fromisoformat("2026-12-01T09:00:00+00:00")
    run_loyalty_journeys(december)
    run_loyalty_journeys(december.replace(day=20))
    run_worker()
    [perk] = db.session.scalars(select(LoyaltyReward)).all()
    assert (perk.kind, perk.source, perk.status) == ("free_shipping", "tier_perk", "issued")
    [discount] = shopify.discounts.values()
    assert discount["kind"] == "DiscountCodeFreeShipping"
    assert discount["context"] == {"customers": {"add": [SHOPPER]}}
    run_loyalty_journeys(december.replace(month=1, year=2027))
    assert len(db.session.scalars(select(LoyaltyReward)).all()) == 2
