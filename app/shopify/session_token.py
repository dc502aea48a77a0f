"""Session tokens (App Bridge ID tokens): reading one from a request and verifying it."""

from dataclasses import dataclass

from flask import current_app, request
from shopify.session_token import SessionTokenError, decode_from_header

from app.shopify.verify import valid_shop_domain

# Tells App Bridge to fetch a fresh token and retry instead of showing the merchant an error.
RETRY_HEADER = {"X-Shopify-Retry-Invalid-Session-Request": "1"}


@dataclass(frozen=True)
class SessionToken:
    """The verified claims Baton relies on."""

    raw: str
    shop_domain: str
    user_id: str | None


class InvalidSessionToken(Exception):
    """The token is missing, forged, expired, or for another app."""


def decode_session_token(raw: str) -> SessionToken:
    """Verify an App Bridge token: HS256 with the app secret, aud = API key, 10 s leeway."""
    settings = current_app.config["BATON"]
    if not settings.shopify_api_secret:
        raise InvalidSessionToken("SHOPIFY_API_SECRET is not configured")
    try:
        # ShopifyAPI pins HS256 (so alg=none is refused), checks aud, exp/nbf with 10 s of
        # leeway, the required claims, and that iss and dest name the same shop.
        claims = decode_from_header(
            f"Bearer {raw}", settings.shopify_api_key, settings.shopify_api_secret
        )
    except SessionTokenError as error:
        raise InvalidSessionToken(str(error)) from error
    shop = valid_shop_domain(claims["dest"].removeprefix("https://"))
    if shop is None:
        raise InvalidSessionToken("dest is not a myshopify.com shop")
    return SessionToken(raw=raw, shop_domain=shop, user_id=claims.get("sub"))


def bearer_token() -> str:
    """Return the Bearer token from the Authorization header, or an empty string."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""
