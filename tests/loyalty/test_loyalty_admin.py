"""The program seen whole in the admin: members with search, the points liability, and the
loyalty KPIs in the dashboard's API and as CSV, from signed webhooks and a redemption."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Customer, LoyaltyProgram, LoyaltyReward
from app.models.types import utcnow
from tests import payloads
from tests.payloads import BIG_ID
from tests.shopify_signing import SHOP, bearer, post_webhook, session_token, signed_proxy_query
from workers.loyalty import run_loyalty_journeys

RANGE = "from=2026-11-01&to=2026-11-30"
CY = 4004


def admin(client, path):
    answer = client.get(path, headers=bearer(session_token()))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer


@pytest.fixture
def shop_history(client, installed_shop, run_worker, shopify):
    """Cy ordered before the program began (not a member); Ana ordered twice since, earned
    158 points and spent 100 of them on a reward Shopify issued."""
    installed_shop()
    cy = payloads.order(id=9001, checkout_token="ck-9001", email="cy@example.com", total="50.00")
    cy["customer"] = payloads.customer(id=CY, email="cy@example.com")
    cy["customer_id"] = CY
    post_webhook(client, "orders/paid", cy)
    run_worker()
    db.session.add(
        LoyaltyProgram(
            shop_domain=SHOP,
            enabled=True,
            points_per_unit=Decimal("1"),
            reward_points=100,
            reward_value=Decimal("5.00"),
            comeback_days=30,
            comeback_value=Decimal("10.00"),
        )
    )
    db.session.commit()
    post_webhook(client, "orders/paid", payloads.order(total="120.00"))
    post_webhook(client, "orders/paid", payloads.order(id=2, checkout_token="ck-2"))
    run_worker()
    query = signed_proxy_query({"shop": SHOP, "logged_in_customer_id": str(BIG_ID)})
    assert client.post("/proxy/loyalty/redemptions", query_string=query).status_code == 202
    run_worker()


def test_members_are_listed_by_balance_and_found_by_email_or_name(client, shop_history):
    listed = admin(client, "/admin/api/loyalty/members").get_json()
    assert [(m["email"], m["balance"]) for m in listed["members"]] == [("ana@example.com", 58)]
    assert admin(client, "/admin/api/loyalty/members?q=LIMA").get_json()["members"]
    assert admin(client, "/admin/api/loyalty/members?q=cy@").get_json()["members"] == []


def test_the_liability_is_outstanding_points_at_the_rewards_rate(client, shop_history):
    # 58 points at 100 points for 5.00.
    assert admin(client, "/admin/api/loyalty/liability").get_json() == {
        "outstanding_points": 58,
        "members_holding": 1,
        "value": "2.90",
    }


def test_the_kpis_compare_members_with_other_customers(client, shop_history, run_worker):
    kpis = admin(client, f"/admin/api/analytics/loyalty?{RANGE}").get_json()["kpis"]
    assert kpis["points_earned"] == 158 and kpis["points_redeemed"] == 100
    assert kpis["points_redemption_rate"] == 0.6329
    assert kpis["members"] == {
        "buyers": 1,
        "repeat_buyers": 1,
        "repeat_purchase_rate": 1.0,
        "orders": 2,
        "average_order_value": "79.00",
    }
    assert kpis["others"]["buyers"] == 1 and kpis["others"]["average_order_value"] == "50.00"
    assert kpis["referral_completion_rate"] == 0.0


def test_comeback_revenue_counts_orders_that_used_a_comeback_code(client, shop_history, run_worker):
    run_loyalty_journeys(datetime.fromisoformat("2026-12-23T00:00:00+00:00"))
    run_worker()
    gift = db.session.scalar(
        select(LoyaltyReward).where(
            LoyaltyReward.source == "comeback",
            LoyaltyReward.customer_id
            == db.session.scalar(select(Customer.id).where(Customer.shopify_id == CY)),
        )
    )
    back = payloads.order(id=9002, checkout_token="ck-9002", email="cy@example.com", total="64.00")
    back["customer"], back["customer_id"] = payloads.customer(id=CY, email="cy@example.com"), CY
    back["discount_codes"] = [
        {"code": gift.code.lower(), "amount": "10.00", "type": "fixed_amount"}
    ]
    back["created_at"] = "2026-11-28T12:00:00Z"
    post_webhook(client, "orders/paid", back)
    run_worker()
    kpis = admin(client, f"/admin/api/analytics/loyalty?{RANGE}").get_json()["kpis"]
    assert kpis["comeback_revenue"] == "64.00"
    rows = list(
        csv.reader(
            io.StringIO(
                admin(client, f"/admin/api/exports/loyalty.csv?{RANGE}").get_data(as_text=True)
            )
        )
    )
    assert rows[0] == ["kpi", "value"]
    assert ["comeback_revenue", "64.00"] in rows
    # Cy came back and earned points: a member now, with both of his orders.
    assert ["members_buyers", "2"] in rows and ["others_buyers", "0"] in rows


def test_the_customer_story_shows_the_points_ledger(client, shop_history):
    ana = db.session.scalar(select(Customer.id).where(Customer.shopify_id == BIG_ID))
    story = admin(client, f"/admin/api/customers/{ana}").get_json()
    assert story["points"]["balance"] == 58
    assert [(e["kind"], e["points"]) for e in story["points"]["entries"]] == [
        ("redeem", -100),
        ("earn", 38),
        ("earn", 120),
    ]


def test_live_carts_show_staff_the_shoppers_points(client, shop_history, run_worker):
    now = utcnow().isoformat()
    post_webhook(client, "carts/create", payloads.cart(token="live-1", updated_at=now))
    checkout = payloads.checkout(token="ck-live", cart_token="live-1", updated_at=now)
    post_webhook(client, "checkouts/create", checkout)
    run_worker()
    [cart] = admin(client, "/admin/api/carts/live").get_json()["carts"]
    assert cart["loyalty"] == {"points": 58, "tier": None}
