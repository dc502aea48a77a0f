"""The admin campaign API: session tokens, validation with field errors, tenant isolation."""

import pytest

from tests.campaign_data import wheel
from tests.shopify_signing import OTHER_SHOP, bearer, session_token


@pytest.fixture(autouse=True)
def shops(installed_shop):
    installed_shop()
    installed_shop(OTHER_SHOP)


def auth(shop=None):
    return bearer(session_token(shop) if shop else session_token())


def test_create_read_update_delete(client):
    created = client.post("/admin/api/campaigns", json=wheel(), headers=auth())
    assert created.status_code == 201
    campaign = created.get_json()
    assert [p["label"] for p in campaign["prizes"]] == ["10% off", "Free shipping", "€20 off"]
    assert campaign["prizes"][2]["cap"] == 50 and campaign["variants"][1]["key"] == "B"
    assert campaign["variants"][1]["content"] == {"headline": "Try your luck"}

    url = f"/admin/api/campaigns/{campaign['id']}"
    changed = client.put(url, json=wheel(name="Summer wheel", status="paused"), headers=auth())
    assert changed.get_json()["name"] == "Summer wheel"
    assert changed.get_json()["prizes"][0]["id"] == campaign["prizes"][0]["id"]  # kept
    assert client.get(url, headers=auth()).get_json()["status"] == "paused"
    assert client.delete(url, headers=auth()).status_code == 204
    assert client.get(url, headers=auth()).status_code == 404


def test_every_route_needs_a_session_token(client):
    for method, url in (
        ("get", "/admin/api/campaigns"),
        ("post", "/admin/api/campaigns"),
        ("get", "/admin/api/campaigns/1"),
        ("put", "/admin/api/campaigns/1"),
        ("delete", "/admin/api/campaigns/1"),
    ):
        response = getattr(client, method)(url, json=wheel())
        assert response.status_code == 401, (method, url)


def test_another_shop_cannot_see_or_change_the_campaign(client):
    campaign_id = client.post("/admin/api/campaigns", json=wheel(), headers=auth()).get_json()["id"]
    url = f"/admin/api/campaigns/{campaign_id}"
    other = auth(OTHER_SHOP)
    assert client.get(url, headers=other).status_code == 404
    assert client.put(url, json=wheel(name="Hijacked"), headers=other).status_code == 404
    assert client.delete(url, headers=other).status_code == 404
    assert client.get("/admin/api/campaigns", headers=other).get_json()["campaigns"] == []
    assert client.get(url, headers=auth()).get_json()["name"] == "Spring wheel"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"game": "slots"}, "game"),
        ({"prizes": [{"label": "Nothing", "kind": "none", "weight": 0}]}, "prizes"),
        (
            {"prizes": [{"label": "x", "kind": "percentage", "value": "-5", "weight": 1}]},
            "prizes[0].value",
        ),
        (
            {"prizes": [{"label": "x", "kind": "percentage", "value": "150", "weight": 1}]},
            "prizes[0].value",
        ),
        ({"prizes": [{"label": "x", "kind": "none", "weight": -1}]}, "prizes[0].weight"),
        ({"prizes": [{"label": "x", "kind": "none", "weight": 1, "cap": 0}]}, "prizes[0].cap"),
        ({"prizes": [{"label": "", "kind": "none", "weight": 1}]}, "prizes[0].label"),
        ({"holdout_percent": 95}, "holdout_percent"),
        ({"starts_at": "2026-12-01T00:00:00Z", "ends_at": "2026-11-01T00:00:00Z"}, "ends_at"),
        ({"content": {"accent_colour": "red; background: url(evil)"}}, "content.accent_colour"),
        ({"targeting": {"countries": ["Germany"]}}, "targeting.countries"),
        ({"targeting": {"devices": ["fridge"]}}, "targeting.devices"),
        ({"consent": {"required": True, "text": "", "version": ""}}, "consent.text"),
        ({"variants": [{"key": "A", "weight": 0}]}, "variants"),
        ({"code_prefix": "lower"}, "code_prefix"),
        # Once a 500: a variant's content that is not an object.
        ({"variants": [{"key": "A", "content": "big"}]}, "variants[0].content"),
        (
            {"variants": [{"key": "A", "content": {"headline": "x" * 121}}]},
            "variants[0].content.headline",
        ),
    ],
)
def test_invalid_config_is_a_400_naming_the_field(client, change, field):
    response = client.post("/admin/api/campaigns", json=wheel(**change), headers=auth())
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_campaign"
    assert field in error["fields"], error["fields"]


def test_all_problems_are_listed_at_once(client):
    bad = wheel(name="", game="slots", prizes=[{"label": "", "kind": "?", "weight": "x"}])
    fields = client.post("/admin/api/campaigns", json=bad, headers=auth()).get_json()["error"][
        "fields"
    ]
    assert {"name", "game", "prizes[0].label", "prizes[0].kind", "prizes[0].weight"} <= set(fields)


def test_the_summary_counts_the_fields_in_words(client):
    one = client.post("/admin/api/campaigns", json=wheel(name=""), headers=auth())
    two = client.post("/admin/api/campaigns", json=wheel(name="", game="slots"), headers=auth())
    assert one.get_json()["error"]["message"] == "1 field needs attention"
    assert two.get_json()["error"]["message"] == "2 fields need attention"


def test_a_body_that_is_not_json_is_a_400(client):
    response = client.post(
        "/admin/api/campaigns",
        data="not json",
        headers=auth() | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400


def test_merchant_text_is_stored_as_given_for_escaping_at_render(client):
    script = "<script>alert(1)</script>"
    created = client.post(
        "/admin/api/campaigns", json=wheel(content={"headline": script}), headers=auth()
    ).get_json()
    assert created["content"]["headline"] == script
