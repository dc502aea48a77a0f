"""The demo admin at /demo/admin: the embedded pages for the demo shop, outside Shopify.

Inside Shopify, App Bridge hands each page a session token. Here the demo plays that part:
it mints a short-lived token for the demo shop, signed with the demo's published signing
value, so the pages call the very same JSON API through the very same checks. Demo mode
only exists when no real Shopify credentials are configured (see Settings.demo).
"""

import time
import uuid

import jwt
from flask import Blueprint, abort, current_app, jsonify

from app.admin.pages import PAGES, render_page
from app.demo import DEMO_KLAVIYO_KEY, DEMO_MAILCHIMP_KEY, DEMO_SHOP

bp = Blueprint("demo_admin", __name__, url_prefix="/demo/admin")
TOKEN_SECONDS = 60
# Where the demo admin's links and session tokens come from (the layout reads it).
MODE = {"demo": True, "base": "/demo/admin", "query": "", "token_url": "/demo/admin/session-token"}


@bp.get("")
def home():
    return _page("home")


@bp.get("/<page>")
def page(page: str):
    if page not in PAGES or page == "home":
        abort(404)
    if page == "connections":
        # The demo's platforms are local stand-ins (app/demo/vendors.py) with known keys.
        return _page(page, demo_keys={"klaviyo": DEMO_KLAVIYO_KEY, "mailchimp": DEMO_MAILCHIMP_KEY})
    return _page(page)


@bp.get("/campaigns/new")
def new_campaign():
    return _page("campaigns", template="admin/pages/campaign_editor.html", campaign_id=None)


@bp.get("/campaigns/<int:campaign_id>")
def edit_campaign(campaign_id: int):
    return _page("campaigns", template="admin/pages/campaign_editor.html", campaign_id=campaign_id)


@bp.get("/session-token")
def session_token():
    """What App Bridge's idToken() gives an embedded page: a token for the demo shop."""
    settings = current_app.config["BATON"]
    now = int(time.time())
    claims = {
        "iss": f"https://{DEMO_SHOP}/admin",
        "dest": f"https://{DEMO_SHOP}",
        "aud": settings.shopify_api_key,
        "sub": "demo-staff",
        "exp": now + TOKEN_SECONDS,
        "nbf": now - 5,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
    }
    token = jwt.encode(claims, settings.shopify_api_secret, algorithm="HS256")
    response = jsonify(token=token)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(page: str, template: str | None = None, **extra):
    return render_page(page, DEMO_SHOP, MODE, template, **extra)
