"""Prize codes in Shopify: discounts, bulk-added single-use codes, refused codes never used."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import CouponCode, Prize, PrizeDiscount
from app.popups import shopify_codes
from tests.campaign_data import wheel
from tests.shopify_signing import SHOP, bearer, session_token, signed_proxy_query


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(shopify_codes, "POLL_SECONDS", (0.01,))
    # Counts below are for one lot per prize; tomorrow's lot has a test of its own.
    monkeypatch.setattr(shopify_codes, "LOOKAHEAD", timedelta(0))


def codes_by_status() -> dict[str, int]:
    rows = db.session.execute(select(CouponCode.status, func.count()).group_by(CouponCode.status))
    return dict(rows.all())


def launch(client, installed_shop, run_worker, **changes) -> int:
    installed_shop()
    response = client.post(
        "/admin/api/campaigns",
        headers=bearer(session_token()),
        json=wheel(holdout_percent=0, **changes),
    )
    run_worker()
    return response.get_json()["id"]


def test_launching_a_campaign_creates_one_discount_per_prize_and_fills_pools(
    client, installed_shop, run_worker, shopify
):
    launch(client, installed_shop, run_worker)
    assert len(shopify.discounts) == 3
    by_title = {d["title"].split(" · ")[2]: d for d in shopify.discounts.values()}
    assert by_title["10% off"]["customerGets"]["value"] == {"percentage": 0.1}
    assert by_title["€20 off"]["customerGets"]["value"] == {
        "discountAmount": {"amount": "20.00", "appliesOnEachItem": False}
    }
    assert by_title["€20 off"]["minimumRequirement"] == {
        "subtotal": {"greaterThanOrEqualToSubtotal": "80.00"}
    }
    assert by_title["Free shipping"]["kind"] == "DiscountCodeFreeShipping"
    assert all(
        d["usageLimit"] == 1 and d["context"] == {"all": "ALL"} for d in shopify.discounts.values()
    )
    assert codes_by_status() == {"available": 3 * shopify_codes.TARGET}
    # Every pooled code exists in Shopify, under its prize's discount.
    pooled = db.session.execute(
        select(CouponCode.code, PrizeDiscount.shopify_id).join(
            PrizeDiscount, PrizeDiscount.id == CouponCode.discount_id
        )
    ).all()
    assert all(shopify.codes[code] == discount for code, discount in pooled)


def test_codes_shopify_refuses_are_never_handed_out(client, installed_shop, run_worker, shopify):
    shopify.refuse_next = 7
    launch(
        client,
        installed_shop,
        run_worker,
        prizes=[{"label": "10% off", "kind": "percentage", "value": "10", "weight": 1}],
    )
    statuses = codes_by_status()
    assert statuses["failed"] == 7
    assert statuses["available"] == shopify_codes.TARGET - 7
    failed = db.session.scalars(select(CouponCode.code).where(CouponCode.status == "failed")).all()
    assert not set(failed) & set(shopify.codes)


def test_refill_waits_for_the_low_water_mark(client, installed_shop, run_worker, shopify):
    launch(
        client,
        installed_shop,
        run_worker,
        prizes=[{"label": "10% off", "kind": "percentage", "value": "10", "weight": 1}],
    )
    calls = len(shopify.codes)
    prize = db.session.scalars(select(Prize)).one()
    assert shopify_codes.refill(None, prize.campaign, prize) == 0  # full: no call at all
    assert len(shopify.codes) == calls


def test_a_won_code_exists_in_shopify(client, installed_shop, run_worker, shopify):
    campaign_id = launch(client, installed_shop, run_worker)
    proxy = {"shop": SHOP, "path_prefix": "/apps/baton", "logged_in_customer_id": ""}
    offer = client.get(
        "/proxy/offer",
        query_string=signed_proxy_query(
            proxy | {"campaign_id": str(campaign_id), "visitor_id": "visitor-shop1"}
        ),
    ).get_json()
    result = client.post(
        "/proxy/play",
        query_string=signed_proxy_query(proxy),
        json={
            "campaign_id": campaign_id,
            "play_token": offer["play_token"],
            "email": "ana@example.com",
            "consent": True,
            "visitor_id": "visitor-shop1",
        },
    ).get_json()
    assert result["code"] in shopify.codes


def test_throttled_shopify_is_waited_out(client, installed_shop, run_worker, shopify):
    shopify.throttle_next = 2
    launch(
        client,
        installed_shop,
        run_worker,
        prizes=[{"label": "10% off", "kind": "percentage", "value": "10", "weight": 1}],
    )
    assert codes_by_status() == {"available": shopify_codes.TARGET}
