"""Referrals through the storefront's signed app-proxy calls, the worker and signed order
webhooks: the friend's welcome code, the referrer's points on the friend's first paid order,
and each abuse refusal, explained in the admin."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import LoyaltyProgram, PointsEntry, Referral
from tests import payloads
from tests.payloads import BIG_ID
from tests.shopify_signing import SHOP, bearer, post_webhook, session_token, signed_proxy_query

ANA_VISITOR = "visitor-ana-0001"
FRIEND_VISITOR = "visitor-bo-0001"
ANA_ADDRESS = {"address1": "12 Rua Augusta", "zip": "1100-053", "country_code": "PT"}


@pytest.fixture(autouse=True)
def shop(installed_shop):
    return installed_shop()


@pytest.fixture
def ana(client, run_worker):
    """The referrer: a member with one order, shipped to her address from her browser."""
    db.session.add(
        LoyaltyProgram(
            shop_domain=SHOP,
            enabled=True,
            points_per_unit=Decimal("1"),
            referral_points=200,
            referral_welcome_value=Decimal("10.00"),
        )
    )
    db.session.commit()
    order = payloads.order(visitor=ANA_VISITOR) | {"shipping_address": ANA_ADDRESS}
    assert post_webhook(client, "orders/paid", order).status_code == 200
    run_worker()
    panel = proxy(client, "GET", "/proxy/loyalty", customer=BIG_ID).get_json()
    return panel["referral_url"].rsplit("/", 1)[1]


def proxy(client, method, path, customer=None, **kwargs):
    params = {"shop": SHOP, "path_prefix": "/apps/baton"}
    if customer is not None:
        params["logged_in_customer_id"] = str(customer)
    return client.open(path, method=method, query_string=signed_proxy_query(params), **kwargs)


def claim(client, code, email="bo@example.com", visitor=FRIEND_VISITOR, customer=None):
    body = {"code": code, "email": email, "visitor_id": visitor}
    return proxy(client, "POST", "/proxy/loyalty/referrals", customer=customer, json=body)


def friend_order(order_id=7001, customer_id=5005, email="bo@example.com", address=None):
    order = payloads.order(
        id=order_id, checkout_token=f"ck-{order_id}", email=email, customer_id=customer_id
    )
    order["customer"] = payloads.customer(id=customer_id, email=email)
    return order | {"shipping_address": address or {"address1": "3 Elm St", "zip": "02139"}}


def referral_points() -> list[int]:
    rows = db.session.scalars(select(PointsEntry).where(PointsEntry.source == "referral"))
    return [row.points for row in rows]


def refusals(client) -> list[tuple[str, str]]:
    listed = client.get("/admin/api/loyalty/referrals", headers=bearer(session_token()))
    return [(r["reason"], r["explanation"]) for r in listed.get_json()["referrals"] if r["reason"]]


def test_a_friend_is_welcomed_and_their_first_paid_order_credits_the_referrer(
    client, ana, run_worker, shopify
):
    link = proxy(client, "GET", f"/proxy/loyalty/r/{ana}")
    assert link.status_code == 302 and link.headers["Location"] == f"/?baton_ref={ana}"

    claimed = claim(client, ana)
    assert claimed.status_code == 202
    run_worker()
    shown = client.get(
        f"/proxy/loyalty/referrals/{claimed.get_json()['referral_id']}",
        query_string=signed_proxy_query({"shop": SHOP, "visitor_id": FRIEND_VISITOR}),
    )
    welcome = shown.get_json()["welcome"]
    assert welcome["status"] == "issued" and welcome["value"] == "10.00"
    discount = next(d for d in shopify.discounts.values() if d["code"] == welcome["code"])
    assert discount["usageLimit"] == 1 and discount["context"] == {"all": "ALL"}

    paid = friend_order() | {"discount_codes": [{"code": welcome["code"], "amount": "10.00"}]}
    post_webhook(client, "orders/paid", paid)
    post_webhook(client, "orders/paid", paid)  # Shopify's retry
    run_worker()
    assert referral_points() == [200]
    [referral] = client.get(
        "/admin/api/loyalty/referrals", headers=bearer(session_token())
    ).get_json()["referrals"]
    assert referral["status"] == "completed" and referral["order_id"] == 7001


def test_another_browser_cannot_read_the_welcome_code(client, ana):
    referral_id = claim(client, ana).get_json()["referral_id"]
    query = signed_proxy_query({"shop": SHOP, "visitor_id": "visitor-someone-else"})
    assert (
        client.get(f"/proxy/loyalty/referrals/{referral_id}", query_string=query).status_code == 404
    )


@pytest.mark.parametrize(
    ("email", "visitor", "customer", "reason"),
    [
        ("bo@example.com", FRIEND_VISITOR, BIG_ID, "self_referral"),
        ("Ana+friend@Example.com", FRIEND_VISITOR, None, "same_email"),
        ("bo@example.com", ANA_VISITOR, None, "same_device"),
    ],
)
def test_obvious_abuse_is_refused_and_explained(client, ana, email, visitor, customer, reason):
    refused = claim(client, ana, email=email, visitor=visitor, customer=customer)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == reason
    [(listed, explanation)] = refusals(client)
    assert listed == reason and explanation
    assert db.session.scalar(select(Referral.welcome_reward_id)) is None


def test_a_friend_is_welcomed_once(client, ana):
    assert claim(client, ana).status_code == 202
    again = claim(client, ana, email="Bo+again@example.com", visitor="visitor-bo-0002")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_referred"


def test_a_friend_who_already_ordered_is_not_new(client, ana, run_worker):
    post_webhook(client, "orders/paid", friend_order(order_id=6001))
    run_worker()
    refused = claim(client, ana)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "existing_customer"


def test_a_first_order_shipped_to_the_referrers_address_earns_nothing(client, ana, run_worker):
    assert claim(client, ana).status_code == 202
    same_place = {"address1": "12  rua augusta", "zip": "1100053", "country_code": "pt"}
    post_webhook(client, "orders/paid", friend_order(address=same_place))
    run_worker()
    assert referral_points() == []
    assert refusals(client)[0][0] == "same_address"


def test_unknown_codes_and_incomplete_claims_are_refused(client, ana):
    assert claim(client, "ZZZZZZZZ").status_code == 404
    bad = proxy(client, "POST", "/proxy/loyalty/referrals", json={"code": "x", "email": "no"})
    assert bad.status_code == 400
    assert set(bad.get_json()["error"]["fields"]) == {"code", "email", "visitor_id"}
