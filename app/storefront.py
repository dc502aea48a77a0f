"""Storefront endpoints, reached through Shopify's app proxy at /apps/baton/..."""

from flask import Blueprint, g, jsonify

from app.shopify.proxy import require_proxy_signature
from app.shops import find_shop

bp = Blueprint("storefront", __name__, url_prefix="/proxy")


@bp.get("/session")
@require_proxy_signature
def session():
    """Tell the widget whether Baton is active here and who the signed-in shopper is."""
    shop = find_shop(g.shop_domain)
    response = jsonify(
        shop=g.shop_domain,
        active=bool(shop and shop.is_installed),
        logged_in_customer_id=g.logged_in_customer_id,
    )
    # It names the signed-in shopper, so no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-store"
    return response
