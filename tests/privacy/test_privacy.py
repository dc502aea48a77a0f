"""GDPR webhooks end to end: afterwards, the database holds nothing about the person."""

import json

import pytest
from sqlalchemy import func, select

from app.extensions import db, redis_queues
from app.models import (
    AssistedDraft,
    Campaign,
    CampaignExposure,
    CouponCode,
    Customer,
    DeliveryStatus,
    EmailBackfill,
    Order,
    Play,
    PrivacyRequest,
    WebhookDelivery,
)
from app.models.types import utcnow
from tests import payloads
from tests.factories import database_mentions
from tests.payloads import BIG_ID
from tests.shopify_signing import OTHER_SHOP, SHOP, bearer, post_webhook, session_token
from workers.deliveries import process_delivery

EMAIL = "ana@example.com"


@pytest.fixture
def deliver(client, run_worker):
    def send(*deliveries, shop=SHOP):
        for topic, payload in deliveries:
            path = (
                "/webhooks/compliance"
                if topic.startswith(("customers/re", "customers/da", "shop/"))
                else "/webhooks"
            )
            assert post_webhook(client, topic, payload, shop=shop, path=path).status_code == 200
        run_worker()

    return send


def build_profile(deliver, shop=SHOP):
    deliver(
        ("customers/create", payloads.customer()),
        ("carts/create", payloads.cart()),
        ("checkouts/create", payloads.checkout(visitor="v-1")),
        ("orders/create", payloads.order(codes=["BATON-AAA"])),
        shop=shop,
    )


def redact_payload():
    return {
        "shop_id": 954889,
        "shop_domain": SHOP,
        "customer": {"id": BIG_ID, "email": "Ana@Example.com", "phone": None},
        "orders_to_redact": [820982911946154508],
    }


def test_customer_redact_leaves_no_trace_of_the_email(deliver, installed_shop):
    installed_shop()
    db.session.add(CouponCode(shop_domain=SHOP, code="BATON-AAA", issued_at=utcnow()))
    db.session.commit()
    build_profile(deliver)
    assert database_mentions(EMAIL)  # the search finds the data before the redact

    deliver(("customers/redact", redact_payload()))

    assert database_mentions(EMAIL) == []
    assert database_mentions(str(BIG_ID)) == []
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
    order = db.session.scalars(select(Order)).one()  # revenue stays, anonymised
    assert order.customer_id is None and order.email is None
    assert db.session.scalars(select(CouponCode)).one().redeemed_at is not None


def test_redact_only_touches_that_customer(deliver, installed_shop):
    installed_shop()
    build_profile(deliver)
    deliver(("customers/create", payloads.customer(id=77, email="bo@example.com")))
    deliver(("customers/redact", redact_payload()))
    assert db.session.scalars(select(Customer.email)).all() == ["bo@example.com"]


def test_a_waiting_delivery_cannot_rebuild_a_redacted_profile(
    client, deliver, installed_shop, run_worker
):
    installed_shop()
    post_webhook(client, "customers/update", payloads.customer())  # stored, not yet processed
    post_webhook(client, "customers/redact", redact_payload(), path="/webhooks/compliance")
    redact_id = db.session.scalar(
        select(WebhookDelivery.id).where(WebhookDelivery.topic == "customers/redact")
    )
    process_delivery(redact_id)  # the redact's job happens to run first
    run_worker()
    assert database_mentions(EMAIL) == []
    update = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.topic == "customers/update")
    ).one()
    assert (update.status, update.error) == (DeliveryStatus.IGNORED, "redacted")


def test_data_request_export_is_downloadable_by_that_shop_only(client, deliver, installed_shop):
    installed_shop()
    installed_shop(OTHER_SHOP)
    build_profile(deliver)
    deliver(
        (
            "customers/data_request",
            {
                "shop_id": 954889,
                "shop_domain": SHOP,
                "orders_requested": [820982911946154508],
                "customer": {"id": BIG_ID, "email": EMAIL, "phone": None},
                "data_request": {"id": 9999},
            },
        )
    )

    listing = client.get("/admin/api/privacy/requests", headers=bearer(session_token()))
    [request] = listing.get_json()["requests"]
    assert (request["kind"], request["status"]) == ("customers/data_request", "done")

    download = client.get(
        f"/admin/api/privacy/requests/{request['id']}/export", headers=bearer(session_token())
    )
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    [person] = download.get_json()["customers"]
    assert person["profile"]["email"] == EMAIL
    assert person["profile"]["shopify_id"] == BIG_ID
    assert [o["name"] for o in person["orders"]] == ["#1001"]
    assert {e["kind"] for e in person["timeline"]} >= {"checkout_started", "order_placed"}

    other = client.get(
        f"/admin/api/privacy/requests/{request['id']}/export",
        headers=bearer(session_token(OTHER_SHOP)),
    )
    assert other.status_code == 404


def test_shop_redact_erases_every_table_for_the_shop(deliver, installed_shop):
    installed_shop()
    installed_shop(OTHER_SHOP)
    build_profile(deliver)
    build_profile(deliver, shop=OTHER_SHOP)
    # M2: tables a hand-kept list once forgot, and Redis keys that name the shop.
    campaign = Campaign(shop_domain=SHOP, name="wheel", game="wheel", status="live")
    db.session.add(campaign)
    db.session.flush()
    db.session.add_all(
        [
            AssistedDraft(shop_domain=SHOP, cart_token="c1", status="open", email=EMAIL),
            EmailBackfill(shop_domain=SHOP, platform="klaviyo", last_error=f"{EMAIL} refused"),
            CampaignExposure(
                shop_domain=SHOP, campaign_id=campaign.id, visitor_key="visitor-1", variant_key="A"
            ),
        ]
    )
    db.session.commit()
    redis_queues.connection.set(f"baton:rate:ip:{SHOP}:198.51.100.9:1", 1)
    deliver(("shop/redact", {"shop_id": 954889, "shop_domain": SHOP}))
    assert list(redis_queues.connection.scan_iter(f"baton:*{SHOP}*")) == []

    for table in db.metadata.sorted_tables:
        if "shop_domain" in table.c and table.name not in ("privacy_request", "webhook_delivery"):
            rows = db.session.execute(
                select(func.count()).select_from(table).where(table.c.shop_domain == SHOP)
            ).scalar()
            assert rows == 0, table.name
    remaining = db.session.scalars(
        select(WebhookDelivery.topic).where(WebhookDelivery.shop_domain == SHOP)
    ).all()
    assert remaining == ["shop/redact"]
    assert (
        db.session.scalar(
            select(func.count()).select_from(Customer).where(Customer.shop_domain == OTHER_SHOP)
        )
        == 1
    )
    assert db.session.scalars(select(PrivacyRequest.status)).all() == ["done"]


def plant_play(shop: str, email: str | None, **personal) -> Play:
    """A pop-up play in `shop`, with the consent record's IP and user agent."""
    campaign = Campaign(shop_domain=shop, name=f"wheel {shop}", game="wheel", status="live")
    db.session.add(campaign)
    db.session.flush()
    play = Play(
        shop_domain=shop,
        campaign_id=campaign.id,
        email=email,
        ip=personal.get("ip", "198.51.100.7"),
        user_agent="Mozilla/5.0 (shop A's shopper)",
        code=personal.get("code"),
        created_at=utcnow(),
    )
    db.session.add(play)
    db.session.commit()
    return play


def export_for(client, shop: str) -> dict:
    headers = bearer(session_token(shop))
    [request] = client.get("/admin/api/privacy/requests", headers=headers).get_json()["requests"]
    return client.get(
        f"/admin/api/privacy/requests/{request['id']}/export", headers=headers
    ).get_json()


def test_a_data_request_never_exports_another_shops_plays(client, deliver, installed_shop):
    # H1: shop A holds a play for the address; shop B's merchant asks for that person's data.
    installed_shop()
    installed_shop(OTHER_SHOP)
    plant_play(SHOP, EMAIL, ip="198.51.100.7", code="SHOPA-CODE")
    deliver(("customers/create", payloads.customer()), shop=OTHER_SHOP)
    deliver(("customers/data_request", payloads.data_request(OTHER_SHOP)), shop=OTHER_SHOP)
    [person] = export_for(client, OTHER_SHOP)["customers"]
    assert person["popup_plays"] == []
    assert "198.51.100.7" not in json.dumps(person) and "SHOPA-CODE" not in json.dumps(person)


def test_a_person_without_an_email_matches_no_anonymised_play(client, deliver, installed_shop):
    # H1: a null email must not match every play whose email was erased.
    installed_shop()
    for n in range(3):
        plant_play(SHOP, None, ip=f"198.51.100.{n}")
    deliver(("customers/create", payloads.customer(email=None)))
    deliver(("customers/data_request", payloads.data_request(email=None)))
    [person] = export_for(client, SHOP)["customers"]
    assert person["popup_plays"] == []


def test_a_data_request_exports_the_orders_shopify_names(client, deliver, installed_shop):
    installed_shop()
    deliver(("orders/create", payloads.order(customer_id=None, email="guest@example.com")))
    deliver(("customers/create", payloads.customer()))
    deliver(("customers/data_request", payloads.data_request()))
    [person] = export_for(client, SHOP)["customers"]
    assert [order["shopify_id"] for order in person["orders"]] == [820982911946154508]


def test_redaction_leaves_other_peoples_deliveries_alone(deliver, installed_shop):
    # L5: the id 191167 is inside 1911670, and "_" is a LIKE wildcard in ana_x@example.com.
    installed_shop()
    ana = payloads.customer(id=191167, email="ana_x@example.com")
    bystander = payloads.customer(id=1911670, email="anaXx@example.com", phone="+15550100191")
    deliver(("customers/create", ana), ("customers/create", bystander))
    deliver(("customers/redact", payloads.customer_redact(id=191167, email="ana_x@example.com")))
    bodies = db.session.scalars(
        select(WebhookDelivery.body).where(WebhookDelivery.topic == "customers/create")
    ).all()
    assert sum("anaXx@example.com" in body for body in bodies) == 1
    assert not any("ana_x@example.com" in body for body in bodies)


def test_redaction_erases_a_play_known_only_by_its_phone(deliver, installed_shop):
    installed_shop()
    play = plant_play(SHOP, None)
    play.phone = "+447700900123"
    db.session.commit()
    request = payloads.customer_redact(email="nobody-else@example.com")
    request["customer"]["phone"] = "+44 7700 900123"
    deliver(("customers/redact", request))
    assert database_mentions("+447700900123") == []
