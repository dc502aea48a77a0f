"""The loyalty program and a member's points, through the admin API with session tokens."""

import pytest

from tests import payloads
from tests.shopify_signing import SHOP, bearer, post_webhook, session_token

OTHER_SHOP = "other-store.myshopify.com"


@pytest.fixture(autouse=True)
def shops(installed_shop):
    installed_shop()
    installed_shop(OTHER_SHOP, token="shpat_other")


def admin(client, method: str, path: str, shop: str = SHOP, **kwargs):
    return client.open(path, method=method, headers=bearer(session_token(shop=shop)), **kwargs)


def test_a_shop_that_never_set_a_program_sees_it_switched_off(client):
    answer = admin(client, "GET", "/admin/api/loyalty/program")
    assert answer.status_code == 200
    assert answer.get_json() == {
        "enabled": False,
        "points_per_unit": "1",
        "first_order_bonus": 0,
        "account_bonus": 0,
        "signup_bonus": 0,
        "expiry_days": None,
        "expiry_warning_days": 7,
        "reward_points": 500,
        "reward_value": "5.00",
        "reward_expiry_days": 30,
        "comeback_days": None,
        "comeback_value": "5.00",
        "tiers": [],
        "tier_window_days": 365,
        "referral_points": 0,
        "referral_welcome_value": "5.00",
    }


def test_saved_rules_earn_points_on_the_next_paid_order(client, run_worker):
    rules = {"enabled": True, "points_per_unit": "2.5", "first_order_bonus": 10}
    saved = admin(client, "PUT", "/admin/api/loyalty/program", json=rules)
    assert saved.status_code == 200
    assert saved.get_json() == admin(client, "GET", "/admin/api/loyalty/program").get_json()
    assert saved.get_json()["points_per_unit"] == "2.50"
    assert saved.get_json()["first_order_bonus"] == 10 and saved.get_json()["enabled"] is True
    post_webhook(client, "orders/paid", payloads.order())
    run_worker()
    customer_id = admin(client, "GET", "/admin/api/customers?q=ana").get_json()["customers"][0][
        "id"
    ]
    points = admin(client, "GET", f"/admin/api/loyalty/members/{customer_id}").get_json()
    assert points["balance"] == points["lifetime"] == 95 + 10
    # Newest first: both entries are the order's, the bonus written after its points.
    assert [(e["kind"], e["points"], e["source"]) for e in points["entries"]] == [
        ("earn", 10, "first_order"),
        ("earn", 95, "order"),
    ]


def test_every_wrong_field_is_named_and_nothing_is_saved(client):
    wrong = {
        "enabled": "yes",
        "points_per_unit": "1.005",
        "first_order_bonus": -1,
        "expiry_days": 0,
        "reward_points": 0,
        "reward_value": "-5",
        "reward_expiry_days": 366,
        "comeback_days": 0,
        "comeback_value": "1.234",
        "signup_bonus": 1.5,
        "tier_window_days": 0,
        "levels": [],
    }
    answer = admin(client, "PUT", "/admin/api/loyalty/program", json=wrong)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_program"
    assert set(error["fields"]) == set(wrong)


def test_each_wrong_tier_field_is_named(client):
    tiers = [
        {"name": "Gold", "min_orders": 3},
        {"name": "gold", "min_spend": "abc"},
        {"name": "", "perks": True},
        {"name": "VIP", "free_shipping_monthly": "yes", "min_spend": "500"},
    ]
    answer = admin(client, "PUT", "/admin/api/loyalty/program", json={"tiers": tiers})
    assert set(answer.get_json()["error"]["fields"]) == {
        "tiers[1].name",
        "tiers[1].min_spend",
        "tiers[2].name",
        "tiers[2].min_orders",
        "tiers[2].perks",
        "tiers[3].free_shipping_monthly",
    }
    assert admin(client, "GET", "/admin/api/loyalty/program").get_json()["enabled"] is False


def test_no_session_token_no_program(client):
    assert client.get("/admin/api/loyalty/program").status_code == 401


def test_one_shop_cannot_read_another_shops_member(client, run_worker):
    post_webhook(client, "orders/paid", payloads.order())
    run_worker()
    customer_id = admin(client, "GET", "/admin/api/customers?q=ana").get_json()["customers"][0][
        "id"
    ]
    path = f"/admin/api/loyalty/members/{customer_id}"
    assert admin(client, "GET", path).status_code == 200
    assert admin(client, "GET", path, shop=OTHER_SHOP).status_code == 404
