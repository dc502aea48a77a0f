"""Storefront endpoints, reached through Shopify's app proxy at /apps/baton/..."""

import ipaddress
import re

from flask import Blueprint, current_app, g, jsonify, render_template, request

from app.analytics.tracking import (
    EVENT_KINDS,
    MAX_EVENTS,
    count_widget_events,
)
from app.errors import ApiError
from app.extensions import db
from app.models.types import utcnow
from app.popups.offers import Visit, code_status, decide_offer
from app.popups.official_rules import official_rules
from app.popups.play import (
    PlayRequest,
    campaign_for_play,
    check_offer_limit,
    check_rate_limits,
    play,
)
from app.popups.pools import refill_if_low
from app.schemas.fields import DEVICES, VISITOR_ID
from app.shops import find_shop
from app.storefront.play_metrics import counted_play
from app.storefront.signature import require_proxy_signature

bp = Blueprint("storefront", __name__, url_prefix="/proxy")
VARIANT_KEY = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
MAX_ID = 2**63 - 1


@bp.get("/session")
@require_proxy_signature
def session():
    """Tell the widget whether Baton is active here and who the signed-in shopper is."""
    shop = find_shop(g.shop_domain)
    return private(
        jsonify(
            shop=g.shop_domain,
            active=bool(shop and shop.is_installed),
            logged_in_customer_id=g.logged_in_customer_id,
        )
    )


@bp.get("/offer")
@require_proxy_signature
def offer():
    """What this visitor should see once a trigger fired: a game, a reminder, or nothing."""
    check_offer_limit(g.shop_domain, _shopper_ip())
    answer = decide_offer(
        Visit(
            shop_domain=g.shop_domain,
            campaign_id=_campaign_id(request.args.get("campaign_id")),
            visitor_key=_visitor_key(request.args.get("visitor_id")),
            logged_in_customer_id=g.logged_in_customer_id,
            device=_device(request.args.get("device")),
        ),
        utcnow(),
    )
    db.session.commit()
    return private(jsonify(answer))


@bp.post("/play")
@require_proxy_signature
@counted_play
def play_game():
    """Play once: the server draws the prize and hands out a unique code."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Send the play as a JSON object.")
    ip = _shopper_ip()
    check_rate_limits(g.shop_domain, ip)
    play_request = _play_request(body, ip)
    campaign = campaign_for_play(g.shop_domain, play_request.campaign_id)
    result = play(play_request, campaign)
    db.session.commit()
    g.play_outcome = "won" if result["code"] else "no_code"
    refill_if_low(g.shop_domain, result["prize"]["id"], result["code"])
    return private(jsonify(result))


@bp.post("/events")
@require_proxy_signature
def widget_events():
    """Impressions and opens, batched by the widget (a beacon as the page goes away)."""
    # sendBeacon posts text/plain: read the body as JSON whatever its content type.
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Send the events as a JSON object.")
    visitor = _visitor_key(body.get("visitor_id"))
    counted = count_widget_events(
        g.shop_domain, visitor, _device(body.get("device")) or "unknown", _events(body)
    )
    db.session.commit()
    return private(jsonify(counted=counted))


@bp.get("/code")
@require_proxy_signature
def code():
    """For the reminder bar: is the code this visitor won still waiting to be used?"""
    raw = request.args.get("code", "")
    if not raw or len(raw) > 64:
        raise ApiError(400, "invalid_code", "code must be the code shown after the game.")
    status = code_status(g.shop_domain, raw, _visitor_key(request.args.get("visitor_id")), utcnow())
    if status is None:
        raise ApiError(404, "unknown_code", "This browser did not win that code.")
    return private(jsonify(code=raw, status=status))


@bp.get("/rules")
@require_proxy_signature
def rules():
    """The campaign's official rules, linked from the dialog: prizes, odds in force and terms."""
    found = official_rules(g.shop_domain, _campaign_id(request.args.get("campaign_id")), utcnow())
    page = render_template("storefront/rules.html", rules=found)
    response = current_app.make_response((page, 200 if found else 404))
    # Odds change as capped prizes run out: a cached copy could disagree with the draw.
    response.headers["Cache-Control"] = "no-cache"
    return response


def _play_request(body: dict, ip: str) -> PlayRequest:
    return PlayRequest(
        shop_domain=g.shop_domain,
        campaign_id=_campaign_id(body.get("campaign_id")),
        play_token=str(body.get("play_token") or ""),
        email=body.get("email") if isinstance(body.get("email"), str) else "",
        consented=body.get("consent") is True,
        visitor_key=_visitor_key(body.get("visitor_id")),
        cart_token=body.get("cart_token") if isinstance(body.get("cart_token"), str) else None,
        logged_in_customer_id=g.logged_in_customer_id,
        ip=ip,
        user_agent=_header("User-Agent"),
        device=_device(body.get("device")),
        phone=body.get("phone") if isinstance(body.get("phone"), str) else "",
        sms_consented=body.get("sms_consent") is True,
    )


def _events(body: dict) -> list[dict]:
    events = body.get("events")
    if not isinstance(events, list) or not 0 < len(events) <= MAX_EVENTS:
        raise ApiError(400, "invalid_events", f"events must be a list of 1 to {MAX_EVENTS}.")
    clean = []
    for event in events:
        if not isinstance(event, dict) or event.get("type") not in EVENT_KINDS:
            raise ApiError(400, "invalid_events", "Each event's type is impression or open.")
        variant = event.get("variant")
        if not isinstance(variant, str) or not VARIANT_KEY.match(variant):
            raise ApiError(400, "invalid_events", "Each event names the variant it showed.")
        beacon = event.get("beacon")
        clean.append(
            {"campaign_id": _campaign_id(event.get("campaign_id")), "type": event["type"]}
            | {"variant": variant, "beacon": beacon if isinstance(beacon, str) else ""}
        )
    return clean


def _device(raw) -> str | None:
    return raw if raw in DEVICES else None


def _campaign_id(raw) -> int:
    # ASCII digits only ("²".isdigit() is true), and within a 64-bit id column.
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool) and 0 < raw <= MAX_ID:
        return raw
    raise ApiError(400, "invalid_campaign", "campaign_id must be a number.")


def _visitor_key(raw) -> str:
    if isinstance(raw, str) and VISITOR_ID.match(raw):
        return raw
    raise ApiError(400, "invalid_visitor", "visitor_id must be 8 to 64 letters, digits, - or _.")


def _shopper_ip() -> str:
    """The shopper's address: the entry BATON_PROXY_HOPS from the right of X-Forwarded-For.

    Each proxy appends the address it saw, so entries to the left of that one were sent by
    the browser and prove nothing; counting from the right is what cannot be forged (as
    werkzeug's ProxyFix does). Only called once the proxy signature has been checked.
    """
    hops = current_app.config["BATON"].proxy_hops
    entries = [entry.strip() for entry in _header("X-Forwarded-For").split(",") if entry.strip()]
    candidate = entries[-hops] if len(entries) >= hops else None
    try:
        return str(ipaddress.ip_address(candidate)) if candidate else _peer()
    except ValueError:
        return _peer()


def _peer() -> str:
    # Fewer entries than configured hops, or one that is not an address: a misconfigured
    # proxy chain. The peer at least cannot be chosen by the browser.
    return (request.remote_addr or "unknown")[:64]


def _header(name: str) -> str:
    # Shoppers' browsers can send anything; NUL is what PostgreSQL refuses to store.
    return request.headers.get(name, "").replace("\x00", "")


def private(response):
    # Answers name a shopper or hand out a token: no shared cache may keep them.
    response.headers["Cache-Control"] = "private, no-store"
    return response
