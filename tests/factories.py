"""Helpers tests share: what a shopper, a merchant or a deployment does, through the real
entry points (signed proxy requests, session tokens, settings from the environment)."""

import json
import secrets
import zlib
from datetime import timedelta

from cryptography.fernet import Fernet

from app import create_app
from app.extensions import db
from app.models.types import utcnow
from tests import payloads
from tests.conftest import make_settings
from tests.shopify_signing import SHOP, bearer, session_token, signed_proxy_query

# -- shoppers ----------------------------------------------------------------------------------

PROXY = {"shop": SHOP, "path_prefix": "/apps/baton", "logged_in_customer_id": ""}


EMAIL = "ana@example.com"


LEAD_METRIC = "Baton Popup Won"


def offer(client, campaign_id, visitor="visitor-0001", customer="", shop=SHOP, ip=None):
    query = signed_proxy_query(
        PROXY
        | {
            "shop": shop,
            "logged_in_customer_id": customer,
            "campaign_id": str(campaign_id),
            "visitor_id": visitor,
        }
    )
    # Each visitor browses from an address of its own unless told (offers are limited per IP).
    n = zlib.crc32(visitor.encode()) % 65536
    address = ip or f"203.0.{n // 256}.{n % 256}"
    return client.get("/proxy/offer", query_string=query, headers={"X-Forwarded-For": address})


def token_for(client, campaign_id, visitor="visitor-0001"):
    answer = offer(client, campaign_id, visitor).get_json()
    assert answer["show"] == "game", answer
    return answer["play_token"]


def play(
    client,
    campaign,
    token,
    email="ana@example.com",
    visitor="visitor-0001",
    consent=True,
    ip="203.0.113.7",
    **extra,
):
    body = {
        "campaign_id": campaign,
        "play_token": token,
        "email": email,
        "consent": consent,
        "visitor_id": visitor,
        "device": "mobile",
        "cart_token": "c1-9f2b",
    } | extra
    return client.post(
        "/proxy/play",
        query_string=signed_proxy_query(PROXY),
        json=body,
        # Whatever the browser sent first, then the shopper's address as Shopify's proxy saw it.
        headers={"X-Forwarded-For": f"192.0.2.1, {ip}", "User-Agent": "Mozilla/5.0 (iPhone)"},
    )


def win(client, campaign, email=EMAIL, visitor="visitor-0001", consent=True) -> str:
    answer = play(client, campaign, token_for(client, campaign, visitor), email, visitor, consent)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["code"]


# -- carts -------------------------------------------------------------------------------------

CART = "c1-9f2b"


def fresh_cart(token=CART, quantity=2, minutes_ago=1):
    """A carts/create payload stamped a moment ago, as Shopify would send it now."""
    moment = (utcnow() - timedelta(minutes=minutes_ago)).isoformat()
    return payloads.cart(token=token, quantity=quantity, updated_at=moment) | {"created_at": moment}


def live(client, query="", etag=None, shop=None):
    headers = bearer(session_token(shop) if shop else session_token())
    if etag:
        headers["If-None-Match"] = etag
    return client.get(f"/admin/api/carts/live{query}", headers=headers)


# -- settings ----------------------------------------------------------------------------------

KEY = Fernet.generate_key().decode()


MINIMAL = {"SECRET_KEY": "s", "ENCRYPTION_KEYS": KEY}


SECRET = secrets.token_urlsafe(32)


DEMO = {"BATON_DEMO": "1", "BATON_DEMO_SECRET": SECRET}


NO_STORE = {"SHOPIFY_API_KEY": "", "SHOPIFY_API_SECRET": "", "SHOPIFY_APP_URL": ""}


def demo_app(database_url: str, redis_url: str):
    return create_app(make_settings(database_url, redis_url, **NO_STORE, **DEMO))


# -- data --------------------------------------------------------------------------------------


def database_mentions(needle: str) -> list[str]:
    """Every table.column whose stored text contains the needle, case-insensitively."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()).mappings():
            for column, value in row.items():
                if value is not None and needle.lower() in json.dumps(value, default=str).lower():
                    found.append(f"{table.name}.{column}")
    return found


# -- operators ---------------------------------------------------------------------------------


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one series in Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    series = f"{name}{{{wanted}}}" if labels else name
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
