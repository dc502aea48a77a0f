"""The authorization-code install flow: state cookie, query HMAC, timestamp, shop domain."""

import json
import time
from urllib.parse import parse_qs, urlparse

import responses
from sqlalchemy import select

from app.extensions import db
from app.models import Shop
from tests.shopify_signing import SHOP, signed_oauth_query


def begin(client) -> str:
    """Start the install and return the state Shopify would echo back."""
    response = client.get(f"/auth?shop={SHOP}")
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert location.netloc == SHOP and location.path == "/admin/oauth/authorize"
    query = parse_qs(location.query)
    assert query["client_id"] == ["test-api-key"]
    assert query["redirect_uri"] == ["https://baton.test/auth/callback"]
    assert "baton_oauth_state" in response.headers["Set-Cookie"]
    assert "HttpOnly" in response.headers["Set-Cookie"]
    return query["state"][0]


def mock_code_exchange():
    return responses.post(
        f"https://{SHOP}/admin/oauth/access_token",
        json={
            "access_token": "shpat_code",
            "scope": "read_orders",
            "expires_in": 3600,
            "refresh_token": "shprt_code",
            "refresh_token_expires_in": 7776000,
        },
    )


@responses.activate
def test_callback_with_valid_hmac_and_state_installs(client):
    exchange = mock_code_exchange()
    state = begin(client)
    query = signed_oauth_query({"code": "abc123", "shop": SHOP, "state": state, "host": "aG9zdA"})
    response = client.get("/auth/callback", query_string=query)
    assert response.status_code == 302
    assert response.headers["Location"] == f"https://{SHOP}/admin/apps/test-api-key"
    assert json.loads(exchange.calls[0].request.body)["code"] == "abc123"
    shop = db.session.scalar(select(Shop).where(Shop.domain == SHOP))
    assert shop.access_token == "shpat_code"


@responses.activate
def test_callback_with_forged_hmac_is_refused(client):
    exchange = mock_code_exchange()
    state = begin(client)
    query = signed_oauth_query({"code": "abc", "shop": SHOP, "state": state}, secret="forged")
    assert client.get("/auth/callback", query_string=query).status_code == 403
    assert not exchange.calls


@responses.activate
def test_callback_with_stale_timestamp_is_refused(client):
    mock_code_exchange()
    state = begin(client)
    stale = str(int(time.time()) - 91)
    query = signed_oauth_query({"code": "abc", "shop": SHOP, "state": state, "timestamp": stale})
    assert client.get("/auth/callback", query_string=query).status_code == 403


@responses.activate
def test_callback_with_someone_elses_state_is_refused(client):
    mock_code_exchange()
    begin(client)
    query = signed_oauth_query({"code": "abc", "shop": SHOP, "state": "attacker-state"})
    assert client.get("/auth/callback", query_string=query).status_code == 403


def test_callback_without_the_state_cookie_is_refused(client):
    query = signed_oauth_query({"code": "abc", "shop": SHOP, "state": "anything"})
    assert client.get("/auth/callback", query_string=query).status_code == 403


def test_bad_shop_domains_are_refused(client):
    for shop in ("evil.com", "x.myshopify.com.evil.com", "https://x.myshopify.com/path", ""):
        assert client.get("/auth", query_string={"shop": shop}).status_code == 400
    query = signed_oauth_query({"code": "abc", "shop": "evil.com", "state": "s"})
    assert client.get("/auth/callback", query_string=query).status_code == 400
