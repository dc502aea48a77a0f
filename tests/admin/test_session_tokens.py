"""The admin JSON API: session tokens, install by token exchange, and tenant isolation."""

import json
import time

import pytest
import responses
from sqlalchemy import select, text

from app.extensions import db
from app.models import Shop
from tests.shopify_signing import API_SECRET, OTHER_SHOP, SHOP, bearer, post_webhook, session_token

RETRY = "X-Shopify-Retry-Invalid-Session-Request"


def assert_refused(response):
    assert response.status_code == 401
    assert response.headers[RETRY] == "1"
    assert response.get_json()["error"]["code"] == "invalid_session_token"


def test_valid_token_reaches_the_shop(client, installed_shop):
    installed_shop()
    response = client.get("/admin/api/shop", headers=bearer(session_token()))
    assert response.status_code == 200
    assert response.get_json()["domain"] == SHOP


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda: session_token(aud="someone-elses-app"), id="wrong-aud"),
        pytest.param(
            lambda: session_token(secret="forged-secret-forged-secret-forged-secret"),
            id="wrong-secret",
        ),
        pytest.param(lambda: session_token(algorithm="none"), id="alg-none"),
        pytest.param(lambda: session_token(algorithm="HS512"), id="alg-hs512"),
        pytest.param(lambda: session_token(exp=int(time.time()) - 30), id="expired"),
        pytest.param(lambda: session_token(nbf=int(time.time()) + 60), id="not-yet-valid"),
        pytest.param(
            lambda: session_token(iss="https://evil.myshopify.com/admin"), id="iss-dest-mismatch"
        ),
        pytest.param(lambda: session_token(shop="evil.example.com"), id="not-myshopify"),
        pytest.param(lambda: "not.a.jwt", id="garbage"),
        pytest.param(lambda: "", id="empty"),
    ],
)
def test_bad_tokens_get_401_with_the_retry_header(client, installed_shop, token):
    installed_shop()
    assert_refused(client.get("/admin/api/shop", headers=bearer(token())))


def test_missing_authorization_is_refused(client):
    assert_refused(client.get("/admin/api/shop"))


def test_token_within_the_ten_second_leeway_is_accepted(client, installed_shop):
    installed_shop()
    token = session_token(exp=int(time.time()) - 5)
    assert client.get("/admin/api/shop", headers=bearer(token)).status_code == 200


def test_shop_a_cannot_read_shop_b_deliveries(client, installed_shop):
    installed_shop(SHOP)
    installed_shop(OTHER_SHOP)
    post_webhook(client, "app/scopes_update", {"current": ["read_orders"]}, shop=OTHER_SHOP)
    other_id = client.get(
        "/admin/api/deliveries", headers=bearer(session_token(OTHER_SHOP))
    ).get_json()["deliveries"][0]["id"]

    mine = client.get("/admin/api/deliveries", headers=bearer(session_token(SHOP)))
    assert mine.get_json()["deliveries"] == []
    peek = client.get(f"/admin/api/deliveries/{other_id}", headers=bearer(session_token(SHOP)))
    assert peek.status_code == 404
    own = client.get(f"/admin/api/deliveries/{other_id}", headers=bearer(session_token(OTHER_SHOP)))
    assert own.status_code == 200
    assert json.loads(own.get_json()["body"]) == {"current": ["read_orders"]}


@responses.activate
def test_first_request_installs_by_token_exchange(client):
    exchange = responses.post(
        f"https://{SHOP}/admin/oauth/access_token",
        json={
            "access_token": "shpat_fresh",
            "scope": "read_orders,write_discounts",
            "expires_in": 3600,
            "refresh_token": "shprt_first",
            "refresh_token_expires_in": 7776000,
        },
    )
    token = session_token()
    response = client.get("/admin/api/shop", headers=bearer(token))
    assert response.status_code == 200
    sent = json.loads(exchange.calls[0].request.body)
    assert sent["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange"
    assert sent["subject_token"] == token
    assert sent["subject_token_type"] == "urn:ietf:params:oauth:token-type:id_token"
    assert sent["requested_token_type"] == (
        "urn:shopify:params:oauth:token-type:offline-access-token"
    )
    assert sent["expiring"] == "1"
    assert sent["client_id"] == "test-api-key" and sent["client_secret"] == API_SECRET

    shop = db.session.scalar(select(Shop).where(Shop.domain == SHOP))
    assert shop.access_token == "shpat_fresh" and shop.refresh_token == "shprt_first"
    # Encrypted at rest: the raw column holds neither token.
    raw = db.session.execute(text("SELECT access_token, refresh_token FROM shop")).one()
    assert "shpat_fresh" not in raw[0] and "shprt_first" not in raw[1]

    client.get("/admin/api/shop", headers=bearer(session_token()))
    assert len(exchange.calls) == 1  # installed once, then reused


@responses.activate
def test_refused_token_exchange_is_a_clear_401(client):
    responses.post(
        f"https://{SHOP}/admin/oauth/access_token",
        status=400,
        json={"error": "invalid_subject_token", "error_description": "Token is expired"},
    )
    response = client.get("/admin/api/shop", headers=bearer(session_token()))
    assert response.status_code == 401
    assert (
        "invalid_subject_token" in response.get_json()["error"]["message"]
        or "Token is expired" in response.get_json()["error"]["message"]
    )


@responses.activate
def test_shopify_outage_during_exchange_is_a_503_to_retry(client):
    responses.post(f"https://{SHOP}/admin/oauth/access_token", status=502, body="bad gateway")
    response = client.get("/admin/api/shop", headers=bearer(session_token()))
    assert response.status_code == 503
    assert response.headers["Retry-After"]


def test_embedded_page_with_id_token_renders_with_frame_ancestors(client, installed_shop):
    installed_shop()
    response = client.get(f"/app?shop={SHOP}&host=abc&embedded=1&id_token={session_token()}")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == (
        f"frame-ancestors https://{SHOP} https://admin.shopify.com;"
    )
    page = response.get_data(as_text=True)
    assert '<meta name="shopify-api-key" content="test-api-key">' in page
    assert "app-bridge.js" in page


def test_embedded_page_without_token_bounces_through_app_bridge(client):
    response = client.get(f"/app?shop={SHOP}&host=abc&embedded=1")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/auth/session-token?")
    assert "shopify-reload=" in location
    bounce = client.get(location)
    assert "app-bridge.js" in bounce.get_data(as_text=True)


def test_root_keeps_shopify_query_on_redirect(client):
    response = client.get(f"/?shop={SHOP}&host=abc")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"/app?shop={SHOP}")
