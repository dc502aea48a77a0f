"""Which shop is asking: the app-proxy signature check every storefront endpoint wears."""

from functools import wraps

from flask import current_app, g, request

from app.errors import ApiError
from app.shopify.verify import proxy_signature_valid, valid_shop_domain


def require_proxy_signature(view):
    """Refuse storefront calls that Shopify's app proxy did not sign; sets g.shop_domain."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        secret = current_app.config["BATON"].shopify_api_secret
        if not proxy_signature_valid(request.args.lists(), secret):
            raise ApiError(
                401,
                "invalid_signature",
                "The app-proxy signature is invalid or older than 90 seconds.",
            )
        shop = valid_shop_domain(request.args.get("shop"))
        if shop is None:
            raise ApiError(400, "bad_shop_domain", "shop must be a *.myshopify.com domain")
        g.shop_domain = shop
        # Shopify sets this only for a signed-in shopper, so it is trustworthy once signed.
        g.logged_in_customer_id = request.args.get("logged_in_customer_id") or None
        return view(*args, **kwargs)

    return wrapper
