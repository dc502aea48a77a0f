"""Admin JSON API: find a customer, and read their story across every channel."""

from flask import Blueprint, g, jsonify, request

from app.admin.session import require_session_token
from app.analytics.journey import shop_currency
from app.errors import ApiError
from app.profiles.code_journey import code_journey
from app.profiles.customer_view import (
    customer_for,
    customer_story,
    customer_summary,
    search_customers,
)

bp = Blueprint("customers", __name__, url_prefix="/admin/api/customers")


@bp.get("")
@require_session_token
def search():
    """Customers whose email or name contains ?q= (at least two characters); when ?q= is one
    of the shop's discount codes, that code's journey too."""
    query = request.args.get("q", "").strip()
    if len(query) < 2 or len(query) > 320:
        raise ApiError(
            400,
            "invalid_query",
            "Search with two or more characters of an email address or name.",
            fields={"q": "two to 320 characters"},
        )
    found = search_customers(g.shop.domain, query)
    return jsonify(
        customers=[customer_summary(customer) for customer in found],
        code=code_journey(g.shop.domain, query),
        currency=shop_currency(g.shop.domain),
    )


@bp.get("/<int:customer_id>")
@require_session_token
def show(customer_id: int):
    customer = customer_for(g.shop.domain, customer_id)
    if customer is None:
        raise ApiError(404, "not_found", "No such customer in this shop.")
    return jsonify(customer_story(customer) | {"currency": shop_currency(g.shop.domain)})
