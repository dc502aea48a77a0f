"""Session tokens (App Bridge ID tokens): decoding and the decorator admin routes use."""

from dataclasses import dataclass
from functools import wraps

from flask import current_app, g, request
from shopify.session_token import SessionTokenError, decode_from_header

from app.errors import ApiError
from app.shopify.verify import valid_shop_domain
from app.shops import ShopUnavailable, shop_for_session

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


def require_session_token(view):
    """Refuse the request unless it carries a valid session token; sets g.shop and g.staff."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        try:
            token = decode_session_token(bearer_token())
        except InvalidSessionToken as error:
            raise ApiError(401, "invalid_session_token", str(error), RETRY_HEADER) from error
        g.shop = installed_shop(token)
        g.staff = token.user_id  # the staff member's Shopify user id, for who-did-what
        return view(*args, **kwargs)

    return wrapper


def installed_shop(token: SessionToken):
    """Return the shop for a verified token, mapping install failures to clear errors."""
    try:
        return shop_for_session(token)
    except ShopUnavailable as error:
        if error.transient:
            raise ApiError(503, "shopify_unavailable", str(error), {"Retry-After": "5"}) from error
        raise ApiError(401, "install_failed", str(error), RETRY_HEADER) from error
