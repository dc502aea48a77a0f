"""The Admin GraphQL client against Shopify's documented throttling and error shapes."""

import json

import pytest
import requests
import responses

from app.extensions import redis_queues
from app.shopify.graphql import (
    AdminGraphQL,
    CostBucket,
    ShopifyAuthError,
    ShopifyGraphQLError,
    ShopifyTransientError,
)
from tests.shopify_signing import SHOP

URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
SHOP_QUERY = "{ shop { name } }"


def cost(available: float, requested: int = 10, maximum: int = 2000, rate: float = 100.0):
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested,
            "throttleStatus": {
                "maximumAvailable": maximum,
                "currentlyAvailable": available,
                "restoreRate": rate,
            },
        }
    }


def ok(available: float = 1990, **kwargs):
    return {"data": {"shop": {"name": "Baton Test"}}, "extensions": cost(available, **kwargs)}


def throttled(available: float, requested: int, rate: float = 50.0):
    return {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {
                    "code": "THROTTLED",
                    "documentation": "https://shopify.dev/api/usage/rate-limits",
                },
            }
        ],
        "extensions": cost(available, requested=requested, rate=rate),
    }


@pytest.fixture
def naps():
    return []


@pytest.fixture
def client(naps):
    return AdminGraphQL(
        SHOP,
        "shpat_test",
        "2026-10",
        sleep=naps.append,
        bucket=CostBucket(redis_queues.connection, SHOP),
    )


@responses.activate
def test_query_is_sent_to_the_pinned_version_with_the_token(client):
    responses.post(URL, json=ok())
    assert client.execute(SHOP_QUERY, {"a": 1}) == {"shop": {"name": "Baton Test"}}
    request = responses.calls[0].request
    assert request.headers["X-Shopify-Access-Token"] == "shpat_test"
    assert json.loads(request.body) == {"query": SHOP_QUERY, "variables": {"a": 1}}


@responses.activate
def test_throttled_answer_waits_for_the_bucket_to_refill_then_retries(client, naps):
    responses.post(URL, json=throttled(available=100, requested=600, rate=50))
    responses.post(URL, json=ok())
    assert client.execute(SHOP_QUERY)["shop"]["name"] == "Baton Test"
    # (600 requested - 100 available) / 50 per second, plus slack.
    assert any(nap == pytest.approx(10.1) for nap in naps)
    assert len(responses.calls) == 2


@responses.activate
def test_low_bucket_makes_the_next_query_wait_before_sending(client, naps):
    responses.post(URL, json=ok(available=0, rate=100))
    responses.post(URL, json=ok())
    client.execute(SHOP_QUERY)
    client.execute(SHOP_QUERY, estimated_cost=200)
    # Shared through Redis: a second process would read the same state.
    assert naps[-1] == pytest.approx(2.0, abs=0.1)


@responses.activate
def test_429_honours_retry_after(client, naps):
    responses.post(URL, status=429, headers={"Retry-After": "2.0"}, body="")
    responses.post(URL, json=ok())
    client.execute(SHOP_QUERY)
    assert 2.0 in naps


@responses.activate
def test_5xx_and_timeouts_retry_with_backoff(client, naps):
    responses.post(URL, status=502, body="Bad Gateway")
    responses.post(URL, body=requests.ConnectTimeout("slow"))
    responses.post(URL, json=ok())
    client.execute(SHOP_QUERY)
    backoffs = [nap for nap in naps if nap > 0]
    assert len(backoffs) == 2
    assert 0.5 <= backoffs[0] <= 1.0 and 1.0 <= backoffs[1] <= 2.0


@responses.activate
def test_persistent_outage_ends_in_a_transient_error(client):
    responses.post(URL, status=503, body="")
    with pytest.raises(ShopifyTransientError, match="5 attempts"):
        client.execute(SHOP_QUERY)
    assert len(responses.calls) == 5


@responses.activate
def test_bad_query_is_a_permanent_error_without_retries(client):
    responses.post(
        URL,
        json={
            "errors": [
                {
                    "message": "Field 'nope' doesn't exist on type 'Shop'",
                    "locations": [{"line": 1, "column": 9}],
                }
            ]
        },
    )
    with pytest.raises(ShopifyGraphQLError, match="doesn't exist"):
        client.execute("{ shop { nope } }")
    assert len(responses.calls) == 1


@responses.activate
def test_revoked_token_is_an_auth_error(client):
    responses.post(URL, status=401, json={"errors": "[API] Invalid API key or access token"})
    with pytest.raises(ShopifyAuthError):
        client.execute(SHOP_QUERY)
