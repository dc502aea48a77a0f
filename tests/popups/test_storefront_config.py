"""The embed's config: what the storefront may know before a visitor engages, and its publishing."""

import json

import pytest
import responses

from tests.campaign_data import wheel
from tests.fakes.shopify_admin import FakeShopifyAdmin
from tests.shopify_signing import SHOP, bearer, session_token

METAFIELD = "baton.storefront_config"


@pytest.fixture
def shopify(installed_shop):
    installed_shop()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeShopifyAdmin(mock, SHOP)


def published(shopify) -> dict:
    stored = shopify.metafields[METAFIELD]
    assert stored["type"] == "json"
    return json.loads(stored["value"])


def test_saving_a_campaign_publishes_the_config_to_the_app_data_metafield(
    client, shopify, run_worker
):
    created = client.post("/admin/api/campaigns", json=wheel(), headers=bearer(session_token()))
    run_worker()
    config = published(shopify)
    [campaign] = config["campaigns"]
    assert campaign["id"] == created.get_json()["id"] and campaign["game"] == "wheel"
    assert campaign["triggers"] == {"delay_seconds": 5, "exit_intent": True}
    assert campaign["targeting"]["countries"] == ["DE", "FR"]
    assert campaign["frequency"] == {"days_after_close": 7, "never_after_signup": True}
    # The odds, caps and codes never reach the page.
    text = json.dumps(config)
    assert "weight" not in text and "cap" not in text and "prizes" not in text


def test_pausing_or_deleting_takes_the_campaign_off_the_storefront(client, shopify, run_worker):
    headers = bearer(session_token())
    first = client.post("/admin/api/campaigns", json=wheel(), headers=headers).get_json()
    second = client.post(
        "/admin/api/campaigns", json=wheel(name="Scratch", game="scratch"), headers=headers
    ).get_json()
    run_worker()
    assert [c["id"] for c in published(shopify)["campaigns"]] == [first["id"], second["id"]]

    client.put(f"/admin/api/campaigns/{first['id']}", json=wheel(status="paused"), headers=headers)
    run_worker()
    assert [c["id"] for c in published(shopify)["campaigns"]] == [second["id"]]

    client.delete(f"/admin/api/campaigns/{second['id']}", headers=headers)
    run_worker()
    assert published(shopify)["campaigns"] == []


def test_an_ended_campaign_is_left_out(client, shopify, run_worker):
    client.post(
        "/admin/api/campaigns",
        json=wheel(starts_at="2020-01-01T00:00:00Z", ends_at="2020-02-01T00:00:00Z"),
        headers=bearer(session_token()),
    )
    run_worker()
    assert published(shopify)["campaigns"] == []


def test_merchant_text_in_the_config_cannot_close_the_script_tag(client, shopify, run_worker):
    hostile = "</script><script>alert(1)</script>"
    client.post(
        "/admin/api/campaigns",
        json=wheel(content={"headline": hostile, "button_text": "Spin"}),
        headers=bearer(session_token()),
    )
    run_worker()
    assert published(shopify)["campaigns"][0]["teaser"] == hostile[:60]
