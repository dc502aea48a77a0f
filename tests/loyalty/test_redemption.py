"""Redeeming points for a customer-only Shopify code: from the storefront's signed app-proxy
calls and from staff, through the worker, against the Shopify Admin fake."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.loyalty.ledger import balance
from app.models import Customer, LoyaltyProgram, LoyaltyReward, PointsEntry
from app.models.types import utcnow
from tests import payloads
from tests.payloads import BIG_ID
from tests.shopify_signing import SHOP, bearer, post_webhook, session_token, signed_proxy_query
from workers.loyalty import issue_reward

SHOPPER = f"gid://shopify/Customer/{BIG_ID}"


@pytest.fixture(autouse=True)
def shop(installed_shop):
    return installed_shop()


@pytest.fixture
def member(client, run_worker):
    """The member's customer id. A reward costs 100 points (5.00 off); they paid 120.00."""
    db.session.add(
        LoyaltyProgram(
            shop_domain=SHOP,
            enabled=True,
            points_per_unit=Decimal("1"),
            first_order_bonus=0,
            reward_points=100,
            reward_value=Decimal("5.00"),
            reward_expiry_days=30,
        )
    )
    db.session.commit()
    assert post_webhook(client, "orders/paid", payloads.order(total="120.00")).status_code == 200
    run_worker()
    return db.session.scalar(select(Customer.id).where(Customer.shopify_id == BIG_ID))


def proxy(client, method: str, path: str, customer_id=BIG_ID):
    params = {"shop": SHOP, "path_prefix": "/apps/baton"}
    if customer_id is not None:
        params["logged_in_customer_id"] = str(customer_id)
    return client.open(path, method=method, query_string=signed_proxy_query(params))


def ledger() -> list[tuple[str, int, str]]:
    rows = db.session.scalars(select(PointsEntry).order_by(PointsEntry.id))
    return [(row.kind, row.points, row.source) for row in rows]


def test_a_signed_in_shopper_redeems_points_for_a_code_only_they_can_use(
    client, member, shopify, run_worker
):
    panel = proxy(client, "GET", "/proxy/loyalty").get_json()
    assert panel["balance"] == 120
    assert panel["next_reward"] == {"points": 100, "value": "5.00", "points_missing": 0}

    asked = proxy(client, "POST", "/proxy/loyalty/redemptions")
    assert asked.status_code == 202
    assert asked.get_json()["reward"]["status"] == "pending"
    assert asked.get_json()["reward"]["code"] is None  # not until Shopify has it
    assert asked.headers["Cache-Control"] == "private, no-store"
    run_worker()

    panel = proxy(client, "GET", "/proxy/loyalty").get_json()
    assert panel["balance"] == 20
    assert panel["next_reward"]["points_missing"] == 80
    [reward] = panel["rewards"]
    assert reward["status"] == "issued" and reward["value"] == "5.00"
    code = reward["code"]
    [discount] = shopify.discounts.values()
    assert discount["context"] == {"customers": {"add": [SHOPPER]}}
    assert discount["usageLimit"] == 1
    assert discount["customerGets"]["value"]["discountAmount"]["amount"] == "5.00"
    assert shopify.code_refusal(code, customer_id=SHOPPER) is None
    assert shopify.code_refusal(code, customer_id="gid://shopify/Customer/7") is not None
    assert shopify.code_refusal(code) is not None  # a guest checkout
    # The code lapses when the program says: 30 days.
    assert shopify.code_refusal(code, utcnow() + timedelta(days=29), SHOPPER) is None
    assert shopify.code_refusal(code, utcnow() + timedelta(days=31), SHOPPER) is not None
    assert ledger() == [("earn", 120, "order"), ("redeem", -100, "storefront")]


def test_too_few_points_are_refused_and_nothing_is_spent(client, member, shopify):
    db.session.scalar(select(LoyaltyProgram)).reward_points = 121
    db.session.commit()
    refused = proxy(client, "POST", "/proxy/loyalty/redemptions")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "not_enough_points"
    assert ledger() == [("earn", 120, "order")]
    assert shopify.discounts == {}


def test_a_guest_is_asked_to_sign_in(client, member):
    assert proxy(client, "GET", "/proxy/loyalty", customer_id=None).get_json()["signed_in"] is False
    refused = proxy(client, "POST", "/proxy/loyalty/redemptions", customer_id=None)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "sign_in_required"


def test_an_unsigned_redemption_is_refused(client, member):
    query = {"shop": SHOP, "logged_in_customer_id": str(BIG_ID), "signature": "0" * 64}
    assert client.post("/proxy/loyalty/redemptions", query_string=query).status_code == 401
    assert ledger() == [("earn", 120, "order")]


def test_points_come_back_when_shopify_refuses_the_code(client, member, shopify, run_worker):
    shopify.state["deleted_customers"] = [SHOPPER]  # deleted in Shopify's admin meanwhile
    reward_id = proxy(client, "POST", "/proxy/loyalty/redemptions").get_json()["reward"]["id"]
    run_worker()
    issue_reward(reward_id)  # a second run of the job refunds nothing more
    reward = db.session.get(LoyaltyReward, reward_id)
    assert reward.status == "refused"
    assert "Customer does not exist" in reward.error
    assert ledger() == [
        ("earn", 120, "order"),
        ("redeem", -100, "storefront"),
        ("adjust", 100, "reward_refused"),
    ]
    assert balance(SHOP, member) == 120
    assert proxy(client, "GET", "/proxy/loyalty").get_json()["rewards"][0]["code"] is None


def test_a_lost_answer_makes_one_code_not_two(client, member, shopify, run_worker):
    shopify.lose_answers = 1  # Shopify made the code; its answer timed out
    reward_id = proxy(client, "POST", "/proxy/loyalty/redemptions").get_json()["reward"]["id"]
    run_worker()
    assert db.session.get(LoyaltyReward, reward_id).status == "pending"
    assert issue_reward(reward_id) == "issued"  # the retry finds the code by its name
    assert len(shopify.discounts) == 1
    assert balance(SHOP, member) == 20


def test_two_tabs_redeeming_at_once_cannot_spend_the_same_points(app, member, shopify):
    # 120 points pay for one reward of 100: of four simultaneous redemptions one succeeds.
    start = threading.Barrier(4)
    answers = []

    def redeem():
        with app.test_client() as tab:
            start.wait()
            answers.append(proxy(tab, "POST", "/proxy/loyalty/redemptions").status_code)

    tabs = [threading.Thread(target=redeem) for _ in range(4)]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()
    assert sorted(answers) == [202, 409, 409, 409]
    db.session.expire_all()
    assert balance(SHOP, member) == 20
    assert db.session.scalar(select(LoyaltyReward.id).where(LoyaltyReward.points == 100))


def test_staff_redeem_for_a_customer_within_their_own_shop(
    client, member, shopify, run_worker, installed_shop
):
    path = f"/admin/api/loyalty/members/{member}/redemptions"
    installed_shop("other.myshopify.com")
    other = client.post(path, headers=bearer(session_token(shop="other.myshopify.com")))
    assert other.status_code == 404
    asked = client.post(path, headers=bearer(session_token()))
    assert asked.status_code == 202
    run_worker()
    shown = client.get(f"/admin/api/loyalty/members/{member}", headers=bearer(session_token()))
    assert shown.get_json()["balance"] == 20
    assert shown.get_json()["rewards"][0]["source"] == "staff"
    assert shown.get_json()["rewards"][0]["status"] == "issued"
    assert ledger()[-1] == ("redeem", -100, "staff")
