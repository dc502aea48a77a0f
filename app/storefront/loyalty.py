"""The points panel behind the app proxy: a signed-in shopper's balance, and redeeming it."""

from flask import Blueprint, g, jsonify
from sqlalchemy import select

from app.errors import ApiError
from app.extensions import db
from app.loyalty.earning import active_program
from app.loyalty.panel import member_panel, next_reward
from app.loyalty.queue import request_reward_code
from app.loyalty.rewards import RedemptionRefused, reward_answer
from app.models import Customer
from app.models.types import utcnow
from app.profiles.points import spend_points
from app.storefront.signature import require_proxy_signature

bp = Blueprint("storefront_loyalty", __name__, url_prefix="/proxy/loyalty")


@bp.get("")
@require_proxy_signature
def panel():
    """The signed-in shopper's points; a guest sees the program's reward and a sign-in hint."""
    customer = _signed_in_customer()
    if customer is not None:
        return _private(jsonify(signed_in=True, **member_panel(customer)))
    program = active_program(g.shop_domain)
    return _private(
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
        raise ApiError(401, "sign_in_required", "Sign in to your account to redeem points.")
    customer = _signed_in_customer()
    if customer is None:
        raise ApiError(409, "not_enough_points", "There are no points on this account yet.")
    try:
        reward = spend_points(customer, "storefront", utcnow())
    except RedemptionRefused as refused:
        raise ApiError(409, refused.code, refused.message) from None
    db.session.commit()
    request_reward_code(reward.id)
    return _private(jsonify(reward=reward_answer(reward))), 202


def _signed_in_customer() -> Customer | None:
    raw = g.logged_in_customer_id
    if raw is None or not raw.isdigit() or int(raw) >= 2**63:
        return None
    return db.session.scalar(
        select(Customer).where(
            Customer.shop_domain == g.shop_domain,
            Customer.shopify_id == int(raw),
            Customer.deleted_at.is_(None),
        )
    )


def _private(response):
    # A shopper's balance and codes: no shared cache may keep them.
    response.headers["Cache-Control"] = "private, no-store"
    return response
