"""Admin JSON API for live carts and assisted selling.

The live list answers conditional requests: the page polls every few seconds with the ETag
it holds, and while nothing changed it gets a bodiless 304 from three small aggregates.
"""

from flask import Blueprint, g, jsonify, make_response, request

from app.admin.responses import json_object
from app.admin.session import require_session_token
from app.errors import ApiError
from app.profiles.customer_view import customer_for, customer_story
from app.profiles.live_carts import (
    CartFilters,
    cart_for,
    cart_order,
    describe_carts,
    draft_json,
    live_carts,
    live_version,
    recovery_url,
)
from app.selling.drafts import (
    checked_email,
    draft_for_cart,
    draft_of,
    send_invoice,
    staff_discount,
    usable_code,
)

bp = Blueprint("carts", __name__, url_prefix="/admin/api")
POLL_SECONDS = 5


@bp.get("/carts/live")
@require_session_token
def live():
    """Carts changed in the last ?minutes= (default 60), filtered; 304 while unchanged."""
    filters = _filters()
    tag = live_version(g.shop.domain, filters)
    if request.if_none_match.contains(tag):
        response = make_response("", 304)
    else:
        response = jsonify(
            carts=live_carts(g.shop.domain, filters),
            poll_seconds=POLL_SECONDS,
            minutes=filters.minutes,
        )
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/carts/<token>")
@require_session_token
def detail(token: str):
    cart = _cart(token)
    [row] = describe_carts(g.shop.domain, [cart])
    customer_id = (row["customer"] or {}).get("id")
    customer = customer_for(g.shop.domain, customer_id) if customer_id else None
    order = cart_order(g.shop.domain, token)
    return jsonify(
        cart=row,
        recovery_url=recovery_url(g.shop.domain, token),
        order={
            "name": order.name,
            "total": str(order.total),
            "currency": order.currency,
            "assisted": order.assisted,
        }
        if order
        else None,
        story=customer_story(customer) if customer else None,
    )


@bp.post("/carts/<token>/draft-order")
@require_session_token
def create_draft(token: str):
    """One draft order per cart: a second click returns the first (200, not 201)."""
    cart = _cart(token)
    body = json_object()
    [row] = describe_carts(g.shop.domain, [cart])
    # The shopper's address only when Shopify vouches for it; else the one staff give (a
    # phone order, say). A pop-up email was typed by whoever held the browser.
    shopper = row["customer"] or {}
    email = checked_email(body.get("email")) or (
        shopper.get("email") if shopper.get("email_verified") else None
    )
    draft, made = draft_for_cart(cart, email, _discount(body.get("discount")), g.staff)
    [row] = describe_carts(g.shop.domain, [cart])
    return jsonify(draft=row["draft"], created=made), 201 if made else 200


@bp.post("/carts/<token>/draft-order/invoice")
@require_session_token
def invoice(token: str):
    draft = draft_of(_cart(token))
    if draft is None:
        raise ApiError(404, "no_draft", "Create the draft order first.")
    body = json_object()
    return jsonify(draft=draft_json(send_invoice(draft, checked_email(body.get("to")))))


def _cart(token: str):
    cart = cart_for(g.shop.domain, token)
    if cart is None:
        raise ApiError(404, "not_found", "No such cart in this shop.")
    return cart


def _filters() -> CartFilters:
    args, fields = request.args, {}
    minutes = _number(args.get("minutes", "60"), int)
    if minutes is None or not 1 <= minutes <= 24 * 60:
        fields["minutes"] = "a whole number of minutes from 1 to 1440"
    min_value = _number(args["min_value"], float) if args.get("min_value") else None
    if args.get("min_value") and (min_value is None or min_value < 0):
        fields["min_value"] = "an amount of 0 or more"
    flags = {}
    for name in ("identified", "has_code"):
        raw = args.get(name, "")
        if raw not in ("", "yes", "no"):
            fields[name] = "yes or no"
        flags[name] = {"yes": True, "no": False}.get(raw)
    if fields:
        raise ApiError(400, "invalid_filter", "Check the filters.", fields=fields)
    return CartFilters(minutes=minutes, min_value=min_value, **flags)


def _discount(raw) -> dict:
    if raw in (None, {}, ""):
        return {}
    if not isinstance(raw, dict) or raw.get("kind") not in ("code", "percentage", "amount"):
        raise ApiError(
            400,
            "invalid_discount",
            "discount.kind is code, percentage or amount.",
            fields={"discount.kind": "code, percentage or amount"},
        )
    if raw["kind"] == "code":
        return {"code": usable_code(g.shop.domain, raw.get("code"))}
    return staff_discount(raw["kind"], raw.get("value"))


def _number(raw, kind):
    try:
        return kind(raw)
    except (TypeError, ValueError):
        return None
