"""Signature checks for webhooks, OAuth redirects and app-proxy requests."""

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Iterable

SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")
# Shopify signs redirects and proxy requests with a timestamp; older ones could be replays.
MAX_CLOCK_SKEW_SECONDS = 90

QueryPairs = Iterable[tuple[str, list[str]]]


def valid_shop_domain(domain: str | None) -> str | None:
    """Return the domain lower-cased if it is a bare *.myshopify.com host, else None."""
    candidate = (domain or "").strip().lower()
    return candidate if SHOP_DOMAIN.fullmatch(candidate) else None


def webhook_hmac_valid(body: bytes, signature: str | None, secret: str) -> bool:
    """Check X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body."""
    if not signature or not secret:
        return False
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest), signature.strip().encode())


def oauth_query_valid(pairs: QueryPairs, secret: str, now: float | None = None) -> bool:
    """Check the hmac of an OAuth redirect: hex SHA-256 over the sorted query without hmac."""
    params = {key: values for key, values in pairs}
    signature = (params.pop("hmac", None) or [""])[0]
    params.pop("signature", None)
    message = "&".join(
        f"{_escape(key, is_key=True)}={_escape(_join_oauth(values))}"
        for key, values in sorted(params.items())
    )
    return _timestamp_fresh(params, now) and _hex_hmac_matches(message, signature, secret)


def proxy_signature_valid(pairs: QueryPairs, secret: str, now: float | None = None) -> bool:
    """Check an app-proxy request: sorted key=value pairs, no separator, hex HMAC."""
    params = {key: values for key, values in pairs}
    signature = (params.pop("signature", None) or [""])[0]
    return _timestamp_fresh(params, now) and _hex_hmac_matches(
        _proxy_message(params), signature, secret
    )


def proxy_signature(pairs: QueryPairs, secret: str) -> str:
    """Sign query pairs as Shopify's app proxy does (the demo storefront plays the proxy)."""
    params: dict[str, list[str]] = {}
    for key, values in pairs:
        params.setdefault(key, []).extend(values)
    message = _proxy_message(params).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _proxy_message(params: dict[str, list[str]]) -> str:
    return "".join(f"{key}={','.join(values)}" for key, values in sorted(params.items()))


def _join_oauth(values: list[str]) -> str:
    # Shopify renders repeated OAuth parameters as a JSON-like list: ["1", "2"].
    if len(values) == 1:
        return values[0]
    return "[" + ", ".join(f'"{value}"' for value in values) + "]"


def _escape(text: str, is_key: bool = False) -> str:
    # Shopify escapes the characters that would otherwise make the message ambiguous.
    text = text.replace("%", "%25").replace("&", "%26")
    return text.replace("=", "%3D") if is_key else text


def _hex_hmac_matches(message: str, signature: str, secret: str) -> bool:
    if not signature or not secret:
        return False
    expected = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.lower().encode())


def _timestamp_fresh(params: dict[str, list[str]], now: float | None) -> bool:
    raw = (params.get("timestamp") or [""])[0]
    if not raw.isdigit():
        return False
    current = time.time() if now is None else now
    return abs(current - int(raw)) <= MAX_CLOCK_SKEW_SECONDS
