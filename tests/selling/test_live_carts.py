"""Live carts and assisted selling through the real entry points: signed cart webhooks, the
admin API with session tokens, draft orders against the Shopify fake, and the webhooks that
complete them."""

import csv
import io
from datetime import timedelta

from app.extensions import db
from app.models import Campaign, CampaignExposure, Cart, Checkout, Customer, Order, Play
from app.models.types import utcnow
from tests import payloads
from tests.factories import CART, fresh_cart, live, play, token_for
from tests.shopify_signing import OTHER_SHOP, SHOP, bearer, post_webhook, session_token


def test_a_new_cart_and_its_update_appear_and_an_unchanged_list_costs_a_304(
    client, installed_shop, run_worker
):
    installed_shop()
    assert post_webhook(client, "carts/create", fresh_cart(quantity=2)).status_code == 200
    run_worker()
    first = live(client)
    assert first.status_code == 200
    [cart] = first.get_json()["carts"]
    assert (cart["token"], cart["items"], cart["value"]) == (CART, 2, "38.00")
    assert cart["identity"] == "anonymous"
    unchanged = live(client, etag=first.headers["ETag"])
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert (
        post_webhook(client, "carts/update", fresh_cart(quantity=3, minutes_ago=0)).status_code
        == 200
    )
    run_worker()
    changed = live(client, etag=first.headers["ETag"])
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert changed.get_json()["carts"][0]["items"] == 3


def test_old_carts_leave_the_window_and_filters_narrow_the_list(client, installed_shop, run_worker):
    installed_shop()
    post_webhook(client, "carts/create", fresh_cart("cart-old", minutes_ago=90))
    post_webhook(client, "carts/create", fresh_cart("cart-big", quantity=5))
    post_webhook(client, "carts/create", fresh_cart("cart-small", quantity=1))
    run_worker()
    tokens = lambda answer: {c["token"] for c in answer.get_json()["carts"]}  # noqa: E731
    assert tokens(live(client)) == {"cart-big", "cart-small"}
    assert tokens(live(client, "?minutes=120")) == {"cart-old", "cart-big", "cart-small"}
    assert tokens(live(client, "?min_value=50")) == {"cart-big"}
    assert tokens(live(client, "?identified=yes")) == set()
    for bad in ("?minutes=0", "?minutes=x", "?min_value=-1", "?identified=maybe"):
        assert live(client, bad).status_code == 400


def test_an_emptied_cart_is_not_an_active_one(client, installed_shop, run_worker):
    installed_shop()
    post_webhook(client, "carts/create", fresh_cart("cart-kept", quantity=1))
    post_webhook(client, "carts/create", fresh_cart("cart-emptied", quantity=2, minutes_ago=2))
    emptied = fresh_cart("cart-emptied", minutes_ago=0) | {"line_items": []}
    assert post_webhook(client, "carts/update", emptied).status_code == 200
    run_worker()
    assert [c["token"] for c in live(client).get_json()["carts"]] == ["cart-kept"]


def test_a_pop_up_leads_cart_shows_who_they_are_and_their_code(
    client, campaign_id, run_worker, shopify
):
    post_webhook(client, "carts/create", fresh_cart())
    run_worker()
    code = play(client, campaign_id, token_for(client, campaign_id)).get_json()["code"]
    [cart] = live(client).get_json()["carts"]
    assert cart["identity"] == "popup_lead" and cart["customer"]["email"] == "ana@example.com"
    assert cart["customer"]["email_verified"] is False
    assert cart["code"] == {
        "code": code,
        "status": "valid",
        "expires_at": cart["code"]["expires_at"],
    }
    assert cart["device"] == "mobile" and cart["source"].startswith("pop-up")
    assert [c["token"] for c in live(client, "?has_code=yes").get_json()["carts"]] == [CART]
    assert live(client, "?has_code=no").get_json()["carts"] == []
    detail = client.get(f"/admin/api/carts/{CART}", headers=bearer(session_token())).get_json()
    assert detail["cart"]["lines"][0]["title"] == "Baton Tee - M"
    assert any(item["kind"] == "play" for item in detail["story"]["timeline"])


def test_a_draft_order_has_exactly_the_carts_lines_and_a_double_click_makes_one(
    client, campaign_id, run_worker, shopify
):
    post_webhook(client, "carts/create", fresh_cart(quantity=2))
    run_worker()
    code = play(client, campaign_id, token_for(client, campaign_id)).get_json()["code"]
    body = {"discount": {"kind": "code", "code": code}}
    path = f"/admin/api/carts/{CART}/draft-order"
    first = client.post(path, json=body, headers=bearer(session_token()))
    assert first.status_code == 201, first.get_json()
    again = client.post(path, json=body, headers=bearer(session_token()))
    assert again.status_code == 200 and again.get_json()["created"] is False
    [draft] = shopify.state["draft_orders"].values()
    assert draft["lineItems"] == [
        {"variantId": "gid://shopify/ProductVariant/704912205188288575", "quantity": 2}
    ]
    # The shopper typed that address into a pop-up: nothing vouches for it, so no default.
    assert draft["discountCodes"] == [code] and draft["email"] is None
    assert first.get_json()["draft"]["invoice_url"] == draft["invoiceUrl"]
    unaddressed = client.post(f"{path}/invoice", json={}, headers=bearer(session_token()))
    assert unaddressed.get_json()["error"]["code"] == "email_required"
    # Staff confirm the address with the shopper (on the phone, in chat) and give it.
    sent = client.post(
        f"{path}/invoice", json={"to": "ana@example.com"}, headers=bearer(session_token())
    )
    assert sent.status_code == 200 and sent.get_json()["draft"]["status"] == "invoice_sent"
    assert draft["status"] == "INVOICE_SENT"


def test_a_staff_discount_and_bad_requests(client, installed_shop, run_worker, shopify):
    installed_shop()
    post_webhook(client, "carts/create", fresh_cart())
    post_webhook(client, "carts/create", fresh_cart("cart-empty", quantity=0))
    run_worker()
    path = f"/admin/api/carts/{CART}/draft-order"
    for bad, code in (
        ({"discount": {"kind": "percentage", "value": 150}}, "invalid_discount"),
        ({"discount": {"kind": "code", "code": "NOPE"}}, "unknown_code"),
        ({"discount": {"kind": "gift"}}, "invalid_discount"),
        ({"email": "not-an-email"}, "invalid_email"),
    ):
        answer = client.post(path, json=bad, headers=bearer(session_token()))
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == code
    assert shopify.state["draft_orders"] == {}
    empty = client.post(
        "/admin/api/carts/cart-empty/draft-order", json={}, headers=bearer(session_token())
    )
    assert empty.status_code == 409
    made = client.post(
        path,
        json={"discount": {"kind": "percentage", "value": 10}, "email": "Bo@Example.com"},
        headers=bearer(session_token()),
    )
    assert made.status_code == 201
    [draft] = shopify.state["draft_orders"].values()
    assert draft["appliedDiscount"]["valueType"] == "PERCENTAGE"
    assert draft["appliedDiscount"]["value"] == 10 and draft["email"] == "bo@example.com"


def test_a_refused_draft_can_be_tried_again(client, installed_shop, run_worker, shopify):
    installed_shop()
    post_webhook(client, "carts/create", fresh_cart())
    run_worker()
    shopify.state["throttle_next"] = 99  # Shopify keeps refusing for now
    path = f"/admin/api/carts/{CART}/draft-order"
    refused = client.post(path, json={}, headers=bearer(session_token()))
    assert refused.status_code in (502, 503)
    shopify.state["throttle_next"] = 0
    assert client.post(path, json={}, headers=bearer(session_token())).status_code == 201
    assert len(shopify.state["draft_orders"]) == 1


def test_a_completed_draft_makes_its_order_assisted_in_either_order(
    client, installed_shop, run_worker, shopify
):
    installed_shop()
    post_webhook(client, "carts/create", fresh_cart())
    run_worker()
    made = client.post(
        f"/admin/api/carts/{CART}/draft-order", json={}, headers=bearer(session_token())
    )
    draft_number = int(next(iter(shopify.state["draft_orders"])).rsplit("/", 1)[1])
    assert made.status_code == 201
    order = payloads.order(id=5555, checkout_token=None) | {"cart_token": None}
    assert post_webhook(client, "orders/create", order).status_code == 200
    completed = {"id": draft_number, "status": "completed", "order_id": 5555, "name": "#D1"}
    assert post_webhook(client, "draft_orders/update", completed).status_code == 200
    run_worker()
    stored = db.session.query(Order).filter_by(shopify_id=5555).one()
    assert stored.assisted is True and stored.cart_token == CART
    detail = client.get(f"/admin/api/carts/{CART}", headers=bearer(session_token())).get_json()
    assert detail["cart"]["draft"]["status"] == "completed" and detail["order"]["assisted"]


def test_the_carts_csv_gives_each_outcome_for_a_known_set(client, installed_shop, run_worker):
    installed_shop()
    now = utcnow()
    rows = [
        ("cart-open", now - timedelta(hours=1), None),
        ("cart-abandoned", now - timedelta(days=3), None),
        ("cart-converted", now - timedelta(days=2), "plain"),
        ("cart-recovered", now - timedelta(days=2), "recovered"),
        ("cart-assisted", now - timedelta(days=2), "assisted"),
    ]
    for n, (token, at, kind) in enumerate(rows):
        db.session.add(
            Cart(
                shop_domain=SHOP,
                token=token,
                line_items=[{"title": "Tee", "quantity": 2, "price": "19.00", "variant_id": 1}],
                total=38,
                created_at=at,
                source_updated_at=at,
            )
        )
        if kind:
            db.session.add(
                Order(
                    shop_domain=SHOP,
                    shopify_id=7000 + n,
                    name=f"#{7000 + n}",
                    cart_token=token,
                    total=38,
                    placed_at=at + timedelta(hours=1),
                    recovered=kind == "recovered",
                    assisted=kind == "assisted",
                )
            )
    db.session.add(Cart(shop_domain=OTHER_SHOP, token="theirs", created_at=now))
    db.session.commit()
    answer = client.get("/admin/api/exports/carts.csv?days=30", headers=bearer(session_token()))
    assert answer.status_code == 200
    found = {
        row["cart_token"]: row for row in csv.DictReader(io.StringIO(answer.get_data(as_text=True)))
    }
    assert {token: row["outcome"] for token, row in found.items()} == {
        "cart-open": "open",
        "cart-abandoned": "abandoned",
        "cart-converted": "converted",
        "cart-recovered": "recovered",
        "cart-assisted": "assisted",
    }
    assert found["cart-open"]["lines"] == "2 × Tee" and found["cart-open"]["value"] == "38.00"


def test_another_shop_reaches_none_of_these_carts(client, installed_shop, run_worker, shopify):
    installed_shop()
    installed_shop(OTHER_SHOP)
    post_webhook(client, "carts/create", fresh_cart())
    run_worker()
    other = bearer(session_token(OTHER_SHOP))
    assert live(client, shop=OTHER_SHOP).get_json()["carts"] == []
    assert client.get(f"/admin/api/carts/{CART}", headers=other).status_code == 404
    assert (
        client.post(f"/admin/api/carts/{CART}/draft-order", json={}, headers=other).status_code
        == 404
    )
    assert shopify.state["draft_orders"] == {}
    for path in (
        "/admin/api/carts/live",
        f"/admin/api/carts/{CART}",
        "/admin/api/exports/carts.csv",
    ):
        assert client.get(path).status_code == 401


def test_cart_measures_for_analytics_on_a_known_set(client, installed_shop):
    installed_shop()
    now = utcnow()
    campaign = Campaign(shop_domain=SHOP, name="Wheel", game="wheel", status="live")
    db.session.add(campaign)
    ana, bo = (
        Customer(shop_domain=SHOP, email="ana@x.io"),
        Customer(shop_domain=SHOP, email="bo@x.io"),
    )
    db.session.add_all([ana, bo])
    db.session.flush()
    db.session.add_all(
        [
            Play(
                shop_domain=SHOP,
                campaign_id=campaign.id,
                visitor_key="phone-ana",
                device="mobile",
                created_at=now,
            ),
            Play(
                shop_domain=SHOP,
                campaign_id=campaign.id,
                visitor_key="phone-bo",
                device="mobile",
                created_at=now,
            ),
            CampaignExposure(
                shop_domain=SHOP,
                campaign_id=campaign.id,
                visitor_key="laptop-ana",
                variant_key="A",
                device="desktop",
                first_seen_at=now,
            ),
        ]
    )
    carts = [
        ("cart-phone-ana", "phone-ana", ana.id, now - timedelta(days=2)),
        ("cart-laptop-ana", "laptop-ana", ana.id, now - timedelta(days=1)),
        ("cart-phone-bo", "phone-bo", bo.id, now - timedelta(days=1)),
    ]
    for token, visitor, customer, at in carts:
        db.session.add(
            Cart(
                shop_domain=SHOP,
                token=token,
                visitor_key=visitor,
                customer_id=customer,
                created_at=at,
            )
        )
    # Checkouts: ana's phone one abandoned then recovered, her laptop one abandoned;
    # bo's went straight through.
    for token, started, completed in (
        ("cart-phone-ana", now - timedelta(days=2), now - timedelta(days=1, hours=20)),
        ("cart-laptop-ana", now - timedelta(days=1), None),
        (
            "cart-phone-bo",
            now - timedelta(hours=5),
            now - timedelta(hours=5) + timedelta(minutes=5),
        ),
    ):
        db.session.add(
            Checkout(
                shop_domain=SHOP,
                token=f"ck-{token}",
                cart_token=token,
                started_at=started,
                completed_at=completed,
            )
        )
    # Orders: ana finishes on the laptop what she started on her phone; bo on one phone.
    db.session.add_all(
        [
            Order(
                shop_domain=SHOP,
                shopify_id=1,
                cart_token="cart-laptop-ana",
                customer_id=ana.id,
                total=80,
                placed_at=now - timedelta(hours=12),
                assisted=True,
            ),
            Order(
                shop_domain=SHOP,
                shopify_id=2,
                cart_token="cart-phone-bo",
                customer_id=bo.id,
                total=30,
                placed_at=now - timedelta(hours=4),
            ),
            Order(
                shop_domain=SHOP,
                shopify_id=3,
                total=99,
                placed_at=now - timedelta(hours=3),
                assisted=True,
                cancelled_at=now,
            ),
        ]
    )
    db.session.commit()
    kpis = client.get("/admin/api/analytics?days=30", headers=bearer(session_token())).get_json()
    carts_kpis = kpis["kpis"]["carts"]
    assert carts_kpis["assisted"] == {"orders": 1, "revenue": "80.00"}
    assert carts_kpis["recovery_by_device"] == {
        "desktop": {"abandoned": 1, "recovered": 0, "rate": 0.0},
        "mobile": {"abandoned": 1, "recovered": 1, "rate": 1.0},
    }
    assert carts_kpis["cross_device"] == {
        "orders_with_known_device": 2,
        "cross_device_orders": 1,
        "share": 0.5,
    }
