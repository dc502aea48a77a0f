"""The demo storefront: a small shop page that embeds the widget as the theme extension does.

It also stands in for the two Shopify pieces between a shopper and Baton: the app proxy,
which signs each request before passing it on, and the cart's AJAX API, which takes the
discount code the widget applies.
"""

import json
import secrets
import time
from datetime import UTC, datetime
from decimal import Decimal

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)

from app.config import ROOT
from app.demo import DEMO_SHOP, invoices
from app.demo.cart_webhooks import send_cart_webhook
from app.demo.shopify_admin import demo_draft, demo_has_code, demo_metafield
from app.demo.theme_locales import available_languages, embed_strings
from app.popups.storefront_config import METAFIELD_KEY, METAFIELD_NAMESPACE
from app.shopify.verify import proxy_signature

bp = Blueprint("demo_storefront", __name__, url_prefix="/demo")
WIDGET_ASSETS = ROOT / "extensions" / "baton-popup" / "assets"
PROXY_PREFIX = "/apps/baton"
# What Shopify adds to a proxied request; a shopper's own copies are dropped, never trusted.
PROXY_PARAMS = {"shop", "path_prefix", "timestamp", "signature", "logged_in_customer_id"}
PRODUCTS = {
    "linen-shirt": {"id": 1001, "title": "Linen shirt", "price": Decimal("59.00")},
    "canvas-tote": {"id": 1002, "title": "Canvas tote", "price": Decimal("24.00")},
    "wool-beanie": {"id": 1003, "title": "Wool beanie", "price": Decimal("32.00")},
}


@bp.get("/storefront")
def home():
    """The shop's front page: a grid of products."""
    _remember_shopper()
    return render_template("demo/home.html", products=PRODUCTS, **_page())


@bp.get("/storefront/products/<handle>")
def product(handle: str):
    """A product page with an add-to-cart button."""
    _remember_shopper()
    if handle not in PRODUCTS:
        abort(404)
    return render_template("demo/product.html", handle=handle, product=PRODUCTS[handle], **_page())


@bp.get("/storefront/cart")
def cart_page():
    """The cart, with any discount code the widget applied."""
    _remember_shopper()
    return render_template("demo/cart.html", cart=_cart_json(), **_page())


@bp.get("/storefront/cart.js")
def cart_js():
    """Shopify's AJAX cart, as the widget and the theme read it."""
    return jsonify(_cart_json())


@bp.post("/storefront/cart/add.js")
def cart_add():
    """Add a product, like Shopify's /cart/add.js."""
    body = request.get_json(silent=True) or request.form
    handle = next((h for h, p in PRODUCTS.items() if str(p["id"]) == str(body.get("id"))), None)
    if handle is None:
        return jsonify(status=422, message="Cart Error", description="Product not found"), 422
    cart = _cart()
    cart["items"][handle] = cart["items"].get(handle, 0) + int(body.get("quantity") or 1)
    _save(cart)
    if request.is_json:
        return jsonify(_cart_json())
    return redirect(url_for(".cart_page"))


@bp.post("/storefront/cart/update.js")
def cart_update():
    """Set the cart's discount codes, like /cart/update.js with `discount`."""
    body = request.get_json(silent=True) or {}
    cart = _cart()
    if isinstance(body.get("discount"), str):
        cart["discounts"] = [code for code in body["discount"].split(",") if code.strip()]
    _save(cart)
    return jsonify(_cart_json())


@bp.get("/storefront/discount/<code>")
def discount_link(code: str):
    """Shopify's shareable /discount/CODE link: apply the code, then go on."""
    cart = _cart()
    cart["discounts"] = [code]
    _save(cart)
    target = request.args.get("redirect", "")
    return redirect(target if target.startswith("/demo/storefront") else url_for(".home"))


@bp.route("/storefront/<int:number>/invoices/<token>", methods=["GET", "POST"])
def invoice(number: int, token: str):
    """A draft order's invoice; paying it plays Shopify's checkout and its webhooks."""
    draft = demo_draft(number)
    if draft is None or not draft["invoiceUrl"].endswith(f"/{number}/invoices/{token}"):
        abort(404)
    if request.method == "POST":
        draft = invoices.pay(number, token, PRODUCTS)
        return redirect(url_for(".invoice", number=number, token=token))
    lines = invoices.invoice_lines(draft, PRODUCTS)
    subtotal = sum((line["line_price"] for line in lines), Decimal("0"))
    discount = invoices.discount_of(draft, subtotal)
    return render_template(
        "demo/invoice.html",
        draft=draft,
        lines=lines,
        discount=discount,
        total=subtotal - discount,
        **_page(),
    )


@bp.get("/widget/<path:name>")
def widget_asset(name: str):
    """The extension's assets, served as Shopify's CDN serves them: cacheable for long."""
    return send_from_directory(WIDGET_ASSETS, name, max_age=3600)


@bp.route(f"{PROXY_PREFIX}/<path:subpath>", methods=["GET", "POST"])
def app_proxy(subpath: str):
    """Play Shopify's app proxy: sign the request, then pass it to /proxy/<subpath>."""
    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in PROXY_PARAMS]
    pairs += [
        ("shop", DEMO_SHOP),
        ("path_prefix", PROXY_PREFIX),
        ("timestamp", str(int(time.time()))),
    ]
    if session.get("customer_id"):
        pairs.append(("logged_in_customer_id", session["customer_id"]))
    secret = current_app.config["BATON"].shopify_api_secret
    pairs.append(("signature", proxy_signature([(k, [v]) for k, v in pairs], secret)))
    headers = {
        "Content-Type": request.content_type or "application/json",
        "User-Agent": request.user_agent.string,
        # Shopify's proxy adds the address it saw to whatever the browser sent.
        "X-Forwarded-For": ", ".join(
            part
            for part in (request.headers.get("X-Forwarded-For"), request.remote_addr or "127.0.0.1")
            if part
        ),
    }
    # In-process, as one hop: the view sees exactly what Shopify's proxy would send.
    with current_app.test_request_context(
        f"/proxy/{subpath}",
        method=request.method,
        query_string=pairs,
        data=request.get_data(),
        headers=headers,
    ):
        response = current_app.full_dispatch_request()
    return response


def _page() -> dict:
    """What every page needs: the embed's settings, as the Liquid block renders them."""
    raw = demo_metafield(METAFIELD_NAMESPACE, METAFIELD_KEY)
    cart = _cart_json()
    embed = {
        "shop": DEMO_SHOP,
        "proxy": url_for(".app_proxy", subpath="x")[: -len("/x")],
        "root": url_for(".home") + "/",
        "assets": {
            "game": url_for(".widget_asset", name="baton-game.js"),
            "css": url_for(".widget_asset", name="baton.css"),
            "points": url_for(".widget_asset", name="baton-points.js"),
        },
        "country": session.get("country", "US"),
        "locale": _language(),
        "currency": "EUR",  # the demo shop's orders are in euros
        "strings": embed_strings(_language()),
        "cart_total_cents": cart["total_price"],
        "config": json.loads(raw) if raw else None,
    }
    # ?widget=off renders the page as a theme without the app embed, for comparison.
    widget_on = request.args.get("widget") != "off"
    # The points block renders for a signed-in shopper only, as its Liquid does.
    points = {
        "proxy": embed["proxy"],
        "locale": _language(),
        "currency": "EUR",  # the demo shop's orders are in euros
        "strings": embed_strings(_language(), "points"),
    }
    return {
        "embed_json": json.dumps(embed).replace("</", "<\\/") if widget_on else None,
        "points_json": (
            json.dumps(points).replace("</", "<\\/")
            if widget_on and session.get("customer_id")
            else None
        ),
        "points_url": url_for(".widget_asset", name="baton-points.js"),
        "loader_url": url_for(".widget_asset", name="baton-loader.js"),
        "item_count": cart["item_count"],
        "signed_in": session.get("customer_id"),
        "language": _language(),
    }


def _language() -> str:
    return session.get("language", "en")


def _remember_shopper() -> None:
    # ?customer=ID signs a demo shopper in (Shopify's logged_in_customer_id); ?customer= out.
    if "customer" in request.args:
        customer = request.args["customer"]
        if customer.isdigit():
            session["customer_id"] = customer
        else:
            session.pop("customer_id", None)
    country = request.args.get("country", "")
    if len(country) == 2 and country.isalpha():
        session["country"] = country.upper()
    # ?locale=fr plays Shopify's /fr/ storefront: request.locale for the rest of the visit.
    if request.args.get("locale") in available_languages():
        session["language"] = request.args["locale"]


def _cart() -> dict:
    cart = session.get("cart") or {}
    return {
        "items": dict(cart.get("items") or {}),
        "discounts": list(cart.get("discounts") or []),
        "created_at": cart.get("created_at"),
    }


def _save(cart: dict) -> None:
    first = not (session.get("cart") or {}).get("created_at")
    cart["created_at"] = (session.get("cart") or {}).get("created_at") or datetime.now(
        UTC
    ).isoformat()
    session["cart"] = cart
    lines = [
        {
            "id": PRODUCTS[handle]["id"],
            "title": PRODUCTS[handle]["title"],
            "quantity": quantity,
            "price": float(PRODUCTS[handle]["price"]),
        }
        for handle, quantity in cart["items"].items()
        if handle in PRODUCTS
    ]
    token = session.get("cart_token") or _new_cart_token()
    send_cart_webhook(token, lines, cart["created_at"], first)


def _cart_json() -> dict:
    cart = _cart()
    items = [
        {
            "id": PRODUCTS[handle]["id"],
            "handle": handle,
            "title": PRODUCTS[handle]["title"],
            "quantity": quantity,
            "price": int(PRODUCTS[handle]["price"] * 100),
            "line_price": int(PRODUCTS[handle]["price"] * 100) * quantity,
        }
        for handle, quantity in cart["items"].items()
        if handle in PRODUCTS
    ]
    return {
        "token": session.get("cart_token") or _new_cart_token(),
        "items": items,
        "item_count": sum(item["quantity"] for item in items),
        "total_price": sum(item["line_price"] for item in items),
        "currency": "EUR",
        "discount_codes": [
            {"code": code, "applicable": demo_has_code(code, _buyer())}
            for code in cart["discounts"]
        ],
    }


def _buyer() -> str | None:
    # A customer-only code (a points reward) applies to its own signed-in customer.
    customer = session.get("customer_id")
    return f"gid://shopify/Customer/{customer}" if customer else None


def _new_cart_token() -> str:
    session["cart_token"] = secrets.token_hex(16)
    return session["cart_token"]
