"""Support answers "my code doesn't work" from the code: the search takes a discount code and
tells its journey, through the real entry points (a play, the worker's syncs, a signed order)."""

from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.models import CouponCode
from app.models.types import utcnow
from tests import payloads
from tests.factories import win
from tests.shopify_signing import OTHER_SHOP, bearer, post_webhook, session_token


def search(client, q, shop=None):
    token = session_token(shop) if shop else session_token()
    return client.get("/admin/api/customers", query_string={"q": q}, headers=bearer(token))


def test_a_code_tells_where_it_was_shown_where_it_went_and_which_order_used_it(
    client, connected, run_worker
):
    code = win(client, connected, email="support-case@example.com")
    run_worker()
    journey = search(client, code.lower()).get_json()["code"]
    assert journey["code"] == code and journey["state"] == "valid"
    assert journey["shown"]["campaign"] == "Spring wheel" and journey["shown"]["device"]
    assert {(p["platform"], p["status"]) for p in journey["platforms"]} == {
        ("klaviyo", "done"),
        ("mailchimp", "done"),
    }
    assert journey["redeemed"] is None

    order = payloads.order(id=4242, email="support-case@example.com", codes=(code,))
    assert post_webhook(client, "orders/create", order).status_code == 200
    run_worker()
    used = search(client, code).get_json()["code"]
    assert used["state"] == "used" and used["redeemed"]["order"] == order["name"]
    assert used["why"].startswith("It was used on an order already")


def test_an_expired_code_says_so_and_a_stranger_sees_nothing(client, campaign_id, installed_shop):
    installed_shop(OTHER_SHOP)
    code = win(client, campaign_id)
    db.session.execute(
        update(CouponCode)
        .where(CouponCode.code == code)
        .values(expires_at=utcnow() - timedelta(days=1))
    )
    db.session.commit()
    journey = search(client, code).get_json()["code"]
    assert journey["state"] == "expired" and "expired before it was used" in journey["why"]
    assert search(client, code, shop=OTHER_SHOP).get_json()["code"] is None
    nothing = search(client, "NOT-A-CODE").get_json()
    assert nothing == {"customers": [], "code": None, "currency": None}
