"""Who is asking: the decorator every admin API route wears, from session token to shop."""

from functools import wraps

from flask import g

from app.errors import ApiError
from app.shopify.session_token import (
    RETRY_HEADER,
    InvalidSessionToken,
    SessionToken,
    bearer_token,
    decode_session_token,
)
from app.shops import ShopUnavailable, shop_for_session


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
