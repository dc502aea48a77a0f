"""Sign requests the way Shopify does, written apart from app/ so tests check it independently."""

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime

import jwt

API_KEY = "test-api-key"
API_SECRET = "test-api-secret-with-32-or-more-bytes"
SHOP = "baton-test.myshopify.com"
OTHER_SHOP = "other-store.myshopify.com"


def webhook_signature(body: bytes, secret: str = API_SECRET) -> str:
    """Base64 HMAC-SHA256 of the raw body, as in X-Shopify-Hmac-Sha256."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def webhook_headers(
    topic: str,
    body: bytes,
    shop: str = SHOP,
    event_id: str | None = None,
    secret: str = API_SECRET,
    triggered_at: str | None = None,
) -> dict:
    """Every header Shopify puts on a delivery."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": webhook_signature(body, secret),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": triggered_at or _now_with_nanoseconds(),
    }


def _now_with_nanoseconds() -> str:
    # Shopify's timestamps carry nine fractional digits, more than datetime keeps.
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}789Z"


def post_webhook(
    client,
    topic: str,
    payload,
    shop: str = SHOP,
    event_id: str | None = None,
    path: str = "/webhooks",
    **header_overrides,
):
    """POST a correctly signed delivery through the real intake endpoint."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = webhook_headers(topic, body, shop=shop, event_id=event_id)
    headers.update(header_overrides)
    return client.post(path, data=body, headers=headers)


def session_token(
    shop: str = SHOP,
    api_key: str = API_KEY,
    secret: str = API_SECRET,
    algorithm: str = "HS256",
    **claims,
) -> str:
    """Mint an App Bridge session token; override any claim to forge a bad one."""
    now = int(time.time())
    payload = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": api_key,
        "sub": "42",
        "exp": now + 60,
        "nbf": now - 5,
        "iat": now - 5,
        "jti": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
    } | claims
    return jwt.encode(payload, secret if algorithm != "none" else None, algorithm=algorithm)


def bearer(token: str) -> dict:
    """The Authorization header App Bridge's fetch adds."""
    return {"Authorization": f"Bearer {token}"}


def signed_oauth_query(params: dict, secret: str = API_SECRET) -> dict:
    """Add timestamp and hmac as Shopify does on an OAuth redirect."""
    params = {"timestamp": str(int(time.time()))} | params
    message = "&".join(f"{key}={value}" for key, value in sorted(params.items()))
    params["hmac"] = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return params


def signed_proxy_query(params: dict, secret: str = API_SECRET) -> list[tuple[str, str]]:
    """Add timestamp and signature as Shopify's app proxy does; lists repeat the key."""
    params = {"timestamp": str(int(time.time()))} | params
    message = "".join(
        f"{key}={','.join(value) if isinstance(value, list) else value}"
        for key, value in sorted(params.items())
    )
    signature = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    pairs = []
    for key, value in params.items():
        pairs.extend((key, item) for item in (value if isinstance(value, list) else [value]))
    return pairs + [("signature", signature)]
