"""What the admin pages read: the widget's impressions and opens, exposures for lift, the setup
checklist, sync health and one customer's story, all through the real entry points."""

import json

import pytest
import responses
from sqlalchemy import select

from app.extensions import db
from app.models import CampaignDailyStat, CampaignExposure
from tests import payloads
from tests.factories import PROXY, offer, play, token_for
from tests.fakes.shopify_admin import FakeShopifyAdmin
from tests.shopify_signing import (
    OTHER_SHOP,
    SHOP,
    bearer,
    post_webhook,
    session_token,
    signed_proxy_query,
)

EMBED_ON = json.dumps(
    {
        "current": {
            "blocks": {
                "1234": {
                    "type": "shopify://apps/baton/blocks/baton-embed/0d1e2f",
                    "disabled": False,
                    "settings": {},
                }
            }
        }
    }
)


def beacon(client, body, shop=SHOP):
    query = signed_proxy_query(PROXY | {"shop": shop})
    # sendBeacon posts a string: text/plain, not application/json.
    return client.post(
        "/proxy/events", query_string=query, data=json.dumps(body), content_type="text/plain"
    )


def events(client, campaign, *kinds, visitor="visitor-0001"):
    """The widget's events for the offer this visitor got, with its beacon."""
    given = offer(client, campaign, visitor).get_json()
    return [
        {"campaign_id": campaign, "variant": given["variant"], "type": kind}
        | {"beacon": given["beacon"]}
        for kind in kinds
    ]


def stats() -> dict:
    db.session.rollback()
    return {
        (row.variant_key, row.device): (row.impressions, row.opens)
        for row in db.session.scalars(select(CampaignDailyStat))
    }


def test_impressions_and_opens_count_each_visitor_once_a_day(client, campaign_id):
    body = {"visitor_id": "visitor-0001", "device": "mobile"}
    answer = beacon(client, body | {"events": events(client, campaign_id, "impression", "open")})
    assert answer.status_code == 200 and answer.get_json() == {"counted": 2}
    beacon(client, body | {"events": events(client, campaign_id, "impression", "open")})  # reload
    second = events(client, campaign_id, "impression", visitor="visitor-0002")
    beacon(client, body | {"visitor_id": "visitor-0002", "events": second})
    assert stats() == {("A", "mobile"): (2, 1)}


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        {"visitor_id": "visitor-0001", "events": []},
        {"visitor_id": "visitor-0001", "events": [{"campaign_id": 1, "type": "purchase"}]},
        {"visitor_id": "x", "events": [{"campaign_id": 1, "variant": "A", "type": "open"}]},
        {"visitor_id": "visitor-0001", "events": [{"campaign_id": "1; drop", "variant": "A"}]},
        {"visitor_id": "visitor-0001", "events": [{"type": "open", "variant": "A"}] * 21},
    ],
)
def test_bad_beacons_are_400s_and_count_nothing(client, campaign_id, body):
    answer = (
        beacon(client, body)
        if isinstance(body, dict)
        else client.post("/proxy/events", query_string=signed_proxy_query(PROXY), data=body)
    )
    assert answer.status_code == 400
    assert stats() == {}


def test_events_without_the_servers_offer_count_nothing(client, campaign_id):
    # L8: a script inventing visitors, or claiming another variant, inflates nothing.
    genuine = events(client, campaign_id, "impression")
    invented = [
        {"visitor_id": "visitor-made-up-1", "events": genuine},
        {"visitor_id": "visitor-0001", "events": [genuine[0] | {"variant": "B"}]},
        {"visitor_id": "visitor-0001", "events": [genuine[0] | {"beacon": "0" * 32}]},
        {
            "visitor_id": "visitor-0001",
            "events": [{k: v for k, v in genuine[0].items() if k != "beacon"}],
        },
    ]
    for body in invented:
        assert beacon(client, body).get_json() == {"counted": 0}
    assert stats() == {}


def test_offers_are_rate_limited_per_shopper_address(client, campaign_id):
    # M6: a script minting visitor ids from one address to skew exposures is stopped.
    for n in range(60):
        assert offer(client, campaign_id, f"visitor-{n:04d}", ip="198.51.100.4").status_code == 200
    refused = offer(client, campaign_id, "visitor-9999", ip="198.51.100.4")
    assert refused.status_code == 429 and refused.headers["Retry-After"]


def test_another_shops_campaign_cannot_be_counted(client, campaign_id, installed_shop):
    installed_shop(OTHER_SHOP)
    body = {"visitor_id": "visitor-0001", "events": events(client, campaign_id, "impression")}
    assert beacon(client, body, shop=OTHER_SHOP).get_json() == {"counted": 0}
    assert stats() == {}


def test_the_offer_records_each_visitors_first_variant_or_the_holdout(client, campaign_id):
    client.put(
        f"/admin/api/campaigns/{campaign_id}",
        headers=bearer(session_token()),
        json=client.get(
            f"/admin/api/campaigns/{campaign_id}", headers=bearer(session_token())
        ).get_json()
        | {"holdout_percent": 50},
    )
    shown = {offer(client, campaign_id, f"visitor-{n:04d}").get_json()["show"] for n in range(40)}
    assert shown == {"game", "nothing"}
    offer(client, campaign_id, "visitor-0001")  # again: still one exposure
    rows = db.session.scalars(select(CampaignExposure)).all()
    assert len(rows) == 40
    assert {row.variant_key for row in rows} >= {"holdout"}


def test_the_setup_checklist_follows_the_shop(client, campaign_id, run_worker):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        shopify = FakeShopifyAdmin(mock, SHOP)
        steps = {
            step["key"]: step
            for step in client.get("/admin/api/setup", headers=bearer(session_token())).get_json()[
                "steps"
            ]
        }
        assert steps["embed"]["done"] is False
        assert "activateAppId=" in steps["embed"]["action"]["url"]
        assert steps["campaign"]["done"] is True and steps["platform"]["done"] is False
        assert steps["lead"]["done"] is False
        shopify.state["theme_settings"] = "/* generated */\n" + EMBED_ON
        from app.extensions import redis_queues

        redis_queues.connection.delete(f"baton:embed-enabled:{SHOP}")
        again = client.get("/admin/api/setup", headers=bearer(session_token())).get_json()
    assert [step["done"] for step in again["steps"]][0] is True


def test_sync_health_shows_backlog_and_intake(client, campaign_id):
    assert post_webhook(client, "customers/create", payloads.customer()).status_code == 200
    health = client.get("/admin/api/sync/health", headers=bearer(session_token())).get_json()
    assert health["intake"] == {"received": 1}
    assert health["backlog"] == [] and health["per_hour"] == []


def test_a_customers_story_joins_pop_up_orders_and_consent(
    client, campaign_id, run_worker, installed_shop
):
    installed_shop(OTHER_SHOP)
    for topic, payload in (
        ("customers/create", payloads.customer()),
        ("orders/create", payloads.order(id=1001, checkout_token="ck-1")),
    ):
        assert post_webhook(client, topic, payload).status_code == 200
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FakeShopifyAdmin(mock, SHOP)  # the worker also publishes the embed config
        run_worker()
    code = play(client, campaign_id, token_for(client, campaign_id)).get_json()["code"]
    found = client.get("/admin/api/customers?q=ana@", headers=bearer(session_token())).get_json()
    [customer] = found["customers"]
    story = client.get(
        f"/admin/api/customers/{customer['id']}", headers=bearer(session_token())
    ).get_json()
    kinds = {item["kind"]: item["channel"] for item in story["timeline"]}
    assert kinds["play"] == "pop-up" and "order_placed" in kinds
    assert any(code in item["summary"] for item in story["timeline"])
    assert story["codes"][0]["code"] == code and story["codes"][0]["status"] == "valid"
    assert story["segments"]["popup_lead"] is True
    other = client.get(
        f"/admin/api/customers/{customer['id']}", headers=bearer(session_token(OTHER_SHOP))
    )
    assert other.status_code == 404


def test_customer_search_needs_two_characters(client, campaign_id):
    answer = client.get("/admin/api/customers?q=a", headers=bearer(session_token()))
    assert answer.status_code == 400 and answer.get_json()["error"]["fields"]["q"]


def test_a_pop_up_leads_consent_shows_as_given_in_a_pop_up_with_one_spelling(client, campaign_id):
    answer = play(client, campaign_id, token_for(client, campaign_id), email="lead@example.com")
    assert answer.status_code == 200
    headers = bearer(session_token())
    [lead] = client.get("/admin/api/customers?q=lead@", headers=headers).get_json()["customers"]
    story = client.get(f"/admin/api/customers/{lead['id']}", headers=headers).get_json()

    assert story["customer"]["email_consent"] is None  # Shopify has not confirmed the address
    assert story["popup_consent_at"] is not None
    channels = {item["channel"] for item in story["timeline"]}
    assert "pop-up" in channels and "popup" not in channels
    summaries = [item["summary"] for item in story["timeline"]]
    assert "Agreed to email offers in a pop-up (consent text 2026-11-v1)" in summaries
