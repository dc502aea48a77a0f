"""App-proxy signature check on the storefront endpoints."""

import time

from tests.shopify_signing import SHOP, signed_proxy_query

BASE = {"shop": SHOP, "path_prefix": "/apps/baton", "logged_in_customer_id": ""}


def test_signed_proxy_request_is_served(client, installed_shop):
    installed_shop()
    response = client.get(
        "/proxy/session",
        query_string=signed_proxy_query(BASE | {"logged_in_customer_id": "7208000000000000123"}),
    )
    assert response.status_code == 200
    assert response.get_json() == {
        "shop": SHOP,
        "active": True,
        "logged_in_customer_id": "7208000000000000123",
    }
    assert "no-store" in response.headers["Cache-Control"]


def test_repeated_parameters_are_joined_with_commas(client):
    query = signed_proxy_query(BASE | {"extra": ["1", "2"]})
    assert client.get("/proxy/session", query_string=query).status_code == 200


def test_forged_signature_is_refused(client):
    query = signed_proxy_query(BASE, secret="forged-forged-forged-forged-forged")
    response = client.get("/proxy/session", query_string=query)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_signature"


def test_tampered_customer_id_is_refused(client):
    query = [
        (key, "999" if key == "logged_in_customer_id" else value)
        for key, value in signed_proxy_query(BASE)
    ]
    assert client.get("/proxy/session", query_string=query).status_code == 401


def test_stale_timestamp_is_refused(client):
    query = signed_proxy_query(BASE | {"timestamp": str(int(time.time()) - 120)})
    assert client.get("/proxy/session", query_string=query).status_code == 401


def test_unsigned_request_is_refused(client):
    assert client.get("/proxy/session", query_string=BASE).status_code == 401
