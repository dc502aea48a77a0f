"""The embedded admin's pages: shells that load their data from the JSON API.

Shopify opens each page with shop and id_token in the query; a stale or missing token goes
through App Bridge's bounce page and comes back fresh. The page itself carries no shop data
beyond the shop's name: every figure is fetched with a session token, so one code path
authorises everything the merchant sees.
"""

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from app.admin.session import installed_shop
from app.shopify.session_token import InvalidSessionToken, decode_session_token

bp = Blueprint("pages", __name__)
# Page key: (title, template). The order is the navigation's.
PAGES = {
    "home": ("Home", "admin/pages/home.html"),
    "campaigns": ("Campaigns", "admin/pages/campaigns.html"),
    "carts": ("Live carts", "admin/pages/carts.html"),
    "analytics": ("Analytics", "admin/pages/analytics.html"),
    "customers": ("Customers", "admin/pages/customers.html"),
    "loyalty": ("Loyalty", "admin/pages/loyalty.html"),
    "connections": ("Email platforms", "admin/pages/connections.html"),
    "sync": ("Sync health", "admin/pages/sync.html"),
    "privacy": ("Privacy", "admin/pages/privacy.html"),
}


@bp.get("/")
def root():
    """Shopify opens application_url; keep its query (shop, host, id_token) on the way."""
    return redirect(url_for("admin.pages.home", **request.args))


@bp.get("/app")
def home():
    return _embedded("home")


@bp.get("/app/<page>")
def page(page: str):
    if page not in PAGES or page == "home":
        abort(404)
    return _embedded(page)


@bp.get("/app/campaigns/new")
def new_campaign():
    return _embedded("campaigns", template="admin/pages/campaign_editor.html", campaign_id=None)


@bp.get("/app/campaigns/<int:campaign_id>")
def edit_campaign(campaign_id: int):
    return _embedded(
        "campaigns", template="admin/pages/campaign_editor.html", campaign_id=campaign_id
    )


def render_page(
    page: str,
    shop_domain: str,
    mode: dict,
    template: str | None = None,
    title: str | None = None,
    **extra,
):
    """A page of the admin for one shop; `mode` says where its links and token come from.
    `page` is the navigation entry it sits under; a page of its own gives its own title."""
    page_title, default_template = PAGES[page]
    return render_template(
        template or default_template,
        page=page,
        title=title or page_title,
        pages=PAGES,
        shop_domain=shop_domain,
        mode=mode,
        api_key=current_app.config["BATON"].shopify_api_key,
        **extra,
    )


def _embedded(page: str, template: str | None = None, **extra):
    settings = current_app.config["BATON"]
    if not request.args.get("shop"):
        return render_template("admin/landing.html", settings=settings)
    try:
        token = decode_session_token(request.args.get("id_token", ""))
    except InvalidSessionToken:
        return _bounce()
    shop = installed_shop(token)
    # Links inside the app keep Shopify's query, so each page opens already authorised.
    query = {key: request.args[key] for key in ("shop", "host", "embedded") if key in request.args}
    mode = {"demo": False, "base": "/app", "query": urlencode(query), "token_url": None}
    response = current_app.make_response(render_page(page, shop.domain, mode, template, **extra))
    # Only this shop's admin may frame the page: clickjacking protection Shopify requires.
    response.headers["Content-Security-Policy"] = (
        f"frame-ancestors https://{shop.domain} https://admin.shopify.com;"
    )
    return response


def _bounce():
    # App Bridge on the bounce page appends a fresh id_token and reloads this URL.
    query = {key: value for key, value in request.args.items() if key != "id_token"}
    target = f"{request.path}?{urlencode(query)}"
    return redirect(url_for("auth.session_token_bounce", **query, **{"shopify-reload": target}))
