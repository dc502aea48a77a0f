"""Install without App Bridge: the authorization-code flow, and the session-token bounce."""

import hmac
import secrets
from urllib.parse import urlencode

from flask import Blueprint, current_app, redirect, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.shopify.oauth import TokenRequestError, exchange_authorization_code
from app.shopify.verify import oauth_query_valid, valid_shop_domain
from app.shops import complete_install

bp = Blueprint("auth", __name__)
STATE_COOKIE = "baton_oauth_state"
STATE_MAX_AGE_SECONDS = 600


@bp.get("/auth")
def begin():
    """Send the merchant to Shopify's authorize page with a fresh state in a signed cookie."""
    shop = valid_shop_domain(request.args.get("shop"))
    if shop is None:
        return _page_error(400, "The shop must be a *.myshopify.com domain.")
    settings = current_app.config["BATON"]
    if not settings.shopify_configured:
        return _page_error(503, "Set " + ", ".join(settings.missing_for_real_store) + " first.")
    state = secrets.token_urlsafe(24)
    query = urlencode(
        {
            "client_id": settings.shopify_api_key,
            "scope": settings.shopify_scopes,
            "redirect_uri": f"{settings.shopify_app_url}/auth/callback",
            "state": state,
        }
    )
    response = redirect(f"https://{shop}/admin/oauth/authorize?{query}")
    response.set_cookie(
        STATE_COOKIE,
        _state_signer().dumps(state),
        max_age=STATE_MAX_AGE_SECONDS,
        secure=True,
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.get("/auth/callback")
def callback():
    """Check the state and HMAC, trade the code for a token, and open the embedded app."""
    shop = valid_shop_domain(request.args.get("shop"))
    if shop is None:
        return _page_error(400, "The shop must be a *.myshopify.com domain.")
    settings = current_app.config["BATON"]
    if not oauth_query_valid(request.args.lists(), settings.shopify_api_secret):
        return _page_error(403, "The request signature is invalid or older than 90 seconds.")
    if not _state_matches(request.args.get("state", "")):
        return _page_error(403, "The sign-in state does not match; start the install again.")
    try:
        complete_install(shop, exchange_authorization_code(shop, request.args.get("code", "")))
    except TokenRequestError as error:
        return _page_error(502, f"Shopify did not grant a token: {error}")
    response = redirect(f"https://{shop}/admin/apps/{settings.shopify_api_key}")
    response.delete_cookie(STATE_COOKIE)
    return response


@bp.get("/auth/session-token")
def session_token_bounce():
    """A blank page where App Bridge fetches a fresh session token and reloads the target."""
    return render_template("admin/bounce.html", api_key=current_app.config["BATON"].shopify_api_key)


def _state_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="oauth-state")


def _state_matches(returned: str) -> bool:
    try:
        expected = _state_signer().loads(
            request.cookies.get(STATE_COOKIE, ""), max_age=STATE_MAX_AGE_SECONDS
        )
    except BadSignature:
        return False
    return hmac.compare_digest(expected.encode(), returned.encode())


def _page_error(status: int, message: str):
    return render_template("error.html", message=message, status=status), status
