"""Mutations Shopify may have run although its answer never came are not run twice (L3).

draftOrderCreate, draftOrderInvoiceSend and discountCodeBasicCreate are not idempotent: after a
read timeout Baton looks for what it made (a draft by its cart's tag, a discount by its first
code, an invoice by Shopify's invoiceSentAt) before doing it again. Web requests answer within
a deadline, and a draft whose request died is not stuck in "creating" for good.
"""

from datetime import timedelta

import pytest
import requests
import responses
from sqlalchemy import select

from app.extensions import db
from app.models import AssistedDraft, CouponCode, Prize
from app.models.types import utcnow
from app.popups import shopify_codes
from app.shopify.graphql import AdminGraphQL, ShopifyAmbiguousError, ShopifyTransientError
from tests.campaign_data import wheel
from tests.factories import fresh_cart
from tests.shopify_signing import SHOP, bearer, post_webhook, session_token
from workers.codes import refill_pool

CART = "cart-idem-1"


@pytest.fixture(autouse=True)
def quick(monkeypatch):
    monkeypatch.setattr(shopify_codes, "POLL_SECONDS", (0.01,))
    monkeypatch.setattr(shopify_codes, "LOOKAHEAD", timedelta(0))


def test_a_discount_whose_answer_was_lost_is_found_not_made_again(client, installed_shop, shopify):
    installed_shop()
    prize = {"label": "10% off", "kind": "percentage", "value": "10", "weight": 1}
    client.post(
        "/admin/api/campaigns",
        headers=bearer(session_token()),
        json=wheel(holdout_percent=0, prizes=[prize], variants=[{"key": "A", "weight": 1}]),
    )
    prize_id = db.session.scalar(select(Prize.id))
    shopify.lose_answers = 1
    with pytest.raises(ShopifyAmbiguousError):
        refill_pool(prize_id)  # Shopify made the discount; its answer was lost
    assert len(shopify.discounts) == 1
    assert refill_pool(prize_id) > 0  # RQ's retry: finds it by its first code
    assert len(shopify.discounts) == 1
    codes = db.session.scalars(select(CouponCode.code).where(CouponCode.status == "available"))
    assert all(shopify.code_refusal(code) is None for code in codes)


def cart_with_draft(client, run_worker):
    post_webhook(client, "carts/create", fresh_cart(CART))
    run_worker()
    return f"/admin/api/carts/{CART}/draft-order"


def test_a_draft_whose_answer_was_lost_is_found_on_the_next_click(
    client, installed_shop, run_worker, shopify
):
    installed_shop()
    path = cart_with_draft(client, run_worker)
    shopify.lose_answers = 1
    lost = client.post(path, json={"email": "ana@example.com"}, headers=bearer(session_token()))
    assert lost.status_code == 503 and lost.headers["Retry-After"]
    again = client.post(path, json={"email": "ana@example.com"}, headers=bearer(session_token()))
    assert again.status_code == 201, again.get_json()
    assert len(shopify.state["draft_orders"]) == 1
    [draft] = shopify.state["draft_orders"].values()
    assert again.get_json()["draft"]["name"] == draft["name"]


def test_an_invoice_whose_answer_was_lost_is_not_emailed_twice(
    client, installed_shop, run_worker, shopify
):
    installed_shop()
    path = cart_with_draft(client, run_worker)
    client.post(path, json={"email": "ana@example.com"}, headers=bearer(session_token()))
    shopify.lose_answers = 1
    lost = client.post(f"{path}/invoice", json={}, headers=bearer(session_token()))
    assert lost.status_code == 503
    again = client.post(f"{path}/invoice", json={}, headers=bearer(session_token()))
    assert again.status_code == 200 and again.get_json()["draft"]["status"] == "invoice_sent"
    [draft] = shopify.state["draft_orders"].values()
    assert draft["invoicesSent"] == 1
    # Asked on purpose afterwards, it is sent again.
    client.post(f"{path}/invoice", json={}, headers=bearer(session_token()))
    assert draft["invoicesSent"] == 2


def test_a_draft_left_creating_by_a_dead_request_can_be_made(
    client, installed_shop, run_worker, shopify
):
    installed_shop()
    path = cart_with_draft(client, run_worker)
    db.session.add(
        AssistedDraft(
            shop_domain=SHOP,
            cart_token=CART,
            status="creating",
            created_at=utcnow() - timedelta(minutes=3),
            updated_at=utcnow() - timedelta(minutes=3),
        )
    )
    db.session.commit()
    made = client.post(path, json={"email": "ana@example.com"}, headers=bearer(session_token()))
    assert made.status_code == 201 and len(shopify.state["draft_orders"]) == 1


def test_a_web_request_gives_up_on_shopify_within_its_deadline():
    clock = [0.0]
    client = AdminGraphQL(
        SHOP,
        "shpat_test",
        "2026-10",
        sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds),
        clock=lambda: clock[0],
        deadline_seconds=20,
        max_attempts=50,
    )
    with responses.RequestsMock() as mock:
        mock.add(
            responses.POST,
            f"https://{SHOP}/admin/api/2026-10/graphql.json",
            body=requests.ConnectTimeout("nobody home"),
        )
        with pytest.raises(ShopifyTransientError, match="out of time"):
            client.execute("{ currentAppInstallation { id } }")
    assert clock[0] <= 20
