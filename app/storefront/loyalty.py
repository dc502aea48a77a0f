"""The points panel behind the app proxy: a signed-in shopper's balance, and redeeming it."""

import re

from flask import Blueprint, g, jsonify, redirect, request
from sqlalchemy import select

from app.emails import normalise_email
from app.errors import ApiError
from app.extensions import db
from app.loyalty.earning import active_program
from app.loyalty.panel import member_panel, next_reward
from app.loyalty.queue import request_reward_code
from app.loyalty.rewards import reward_answer
from app.models import Customer, LoyaltyReward, Referral
from app.models.types import utcnow
from app.profiles.points import spend_points
from app.profiles.referrals import REFUSALS, claim_referral
from app.schemas.fields import VISITOR_ID
from app.storefront.signature import require_proxy_signature
from app.storefront.views import MAX_ID, private

bp = Blueprint("storefront_loyalty", __name__, url_prefix="/proxy/loyalty")
REFERRAL_CODE = re.compile(r"^[A-Za-z0-9]{8}$")


@bp.get("")
@require_proxy_signature
def panel():
    """The signed-in shopper's points; a guest sees the program's reward and a sign-in hint."""
    customer = _signed_in_customer()
    if customer is not None:
        return private(jsonify(signed_in=True, **member_panel(customer)))
    program = active_program(g.shop_domain)
    return private(
        jsonify(
            signed_in=g.logged_in_customer_id is not None,
            enabled=program is not None,
            balance=0,
            next_reward=next_reward(program, 0) if program is not None else None,
            rewards=[],
        )
    )


@bp.post("/redemptions")
@require_proxy_signature
def redeem():
    """Spend points on a reward code: 202 with the reward, its code made by the worker."""
    if g.logged_in_customer_id is None:
        # 403, not 401: the request is signed; the shopper is not signed in to the store.
        raise ApiError(403, "sign_in_required", "Sign in to your account to redeem points.")
    customer = _signed_in_customer()
    if customer is None:
        raise ApiError(409, "not_enough_points", "There are no points on this account yet.")
    reward = spend_points(customer, "storefront", utcnow())
    db.session.commit()
    request_reward_code(reward.id)
    return private(jsonify(reward=reward_answer(reward))), 202


@bp.get("/r/<code>")
@require_proxy_signature
def referral_link(code: str):
    """A member's referral link: on to the shop's home page, the code for the widget."""
    if not REFERRAL_CODE.match(code):
        raise ApiError(404, "unknown_referral", "This referral link is not valid.")
    return redirect(f"/?baton_ref={code.upper()}", 302)


@bp.post("/referrals")
@require_proxy_signature
def claim():
    """A referred friend gives their email: 202 with the welcome code to come, or 409 with
    the reason the referral was refused (the admin lists it too)."""
    code, email, visitor = _claim_body(request.get_json(silent=True))
    referral = claim_referral(g.shop_domain, code, email, visitor, _shopify_id(), utcnow())
    db.session.commit()
    if referral.status == "refused":
        raise ApiError(409, referral.reason, REFUSALS[referral.reason])
    request_reward_code(referral.welcome_reward_id)
    return private(jsonify(_welcome(referral))), 202


# A string in the route, so an unsigned request is refused as unsigned whatever the id says.
@bp.get("/referrals/<referral_id>")
@require_proxy_signature
def welcome(referral_id: str):
    """The friend's welcome code, once the worker has made it; only to the same browser."""
    visitor = request.args.get("visitor_id", "")
    known = referral_id.isdigit() and int(referral_id) <= MAX_ID
    referral = db.session.get(Referral, int(referral_id)) if known else None
    if referral is None or referral.shop_domain != g.shop_domain or referral.visitor_key != visitor:
        raise ApiError(404, "not_found", "No such referral for this browser.")
    return private(jsonify(_welcome(referral)))


def _welcome(referral: Referral) -> dict:
    reward = db.session.get(LoyaltyReward, referral.welcome_reward_id)
    return {
        "referral_id": referral.id,
        "status": referral.status,
        "welcome": reward_answer(reward) if reward is not None else None,
    }


def _claim_body(body) -> tuple[str, str, str]:
    body = body if isinstance(body, dict) else {}
    code, visitor = body.get("code"), body.get("visitor_id")
    email = normalise_email(body.get("email"))
    fields = {}
    if not isinstance(code, str) or not REFERRAL_CODE.match(code):
        fields["code"] = "must be the 8-character code of a referral link"
    if email is None:
        fields["email"] = "must be an email address"
    if not isinstance(visitor, str) or not VISITOR_ID.match(visitor):
        fields["visitor_id"] = "must be 8 to 64 letters, digits, - or _"
    if fields:
        raise ApiError(
            400, "invalid_referral", "The referral request is incomplete.", fields=fields
        )
    return code, email, visitor


def _shopify_id() -> int | None:
    raw = g.logged_in_customer_id
    return int(raw) if raw is not None and raw.isdigit() and int(raw) <= MAX_ID else None


def _signed_in_customer() -> Customer | None:
    shopify_id = _shopify_id()
    if shopify_id is None:
        return None
    return db.session.scalar(
        select(Customer).where(
            Customer.shop_domain == g.shop_domain,
            Customer.shopify_id == shopify_id,
            Customer.deleted_at.is_(None),
        )
    )
