"""Admin JSON API for loyalty: the shop's program, and a member's points ledger."""

from flask import Blueprint, g, jsonify, request

from app.admin.responses import refuse_invalid
from app.admin.session import require_session_token
from app.errors import ApiError
from app.extensions import db
from app.loyalty.ledger import ledger_of
from app.loyalty.liability import liability, members
from app.loyalty.panel import member_panel
from app.loyalty.program import program_answer, program_of, read_program, save_program
from app.loyalty.queue import request_reward_code
from app.loyalty.rewards import reward_answer
from app.models import Customer
from app.models.types import utcnow
from app.profiles.customer_view import customer_for
from app.profiles.points import spend_points
from app.profiles.referrals import referral_answer, referrals_of

bp = Blueprint("loyalty", __name__, url_prefix="/admin/api/loyalty")


@bp.get("/program")
@require_session_token
def show_program():
    """The shop's points rules (defaults, switched off, until the merchant saves some)."""
    return jsonify(program_answer(program_of(g.shop.domain)))


@bp.put("/program")
@require_session_token
def replace_program():
    """Replace the program's rules; invalid fields come back as a 400 listing each one."""
    clean, errors = read_program(request.get_json(silent=True))
    refuse_invalid("invalid_program", errors)
    program = save_program(g.shop.domain, clean)
    db.session.commit()
    return jsonify(program_answer(program))


@bp.get("/members")
@require_session_token
def member_list():
    """Members, largest balance first; ?q= matches an email or a name."""
    query = request.args.get("q", "").strip()[:100]
    return jsonify(members=members(g.shop.domain, query), liability=liability(g.shop.domain))


@bp.get("/liability")
@require_session_token
def outstanding():
    """Points members hold, and their value at the reward's rate."""
    return jsonify(liability(g.shop.domain))


@bp.get("/members/<int:customer_id>")
@require_session_token
def member(customer_id: int):
    """A customer's balance, next reward, reward codes and ledger, newest first."""
    customer = _customer(customer_id)
    return jsonify(
        customer_id=customer.id,
        **member_panel(customer),
        entries=[
            {
                "kind": entry.kind,
                "points": entry.points,
                "source": entry.source,
                "order_id": entry.order_shopify_id,
                "occurred_at": entry.occurred_at.isoformat(),
            }
            for entry in ledger_of(g.shop.domain, customer.id)
        ],
    )


@bp.post("/members/<int:customer_id>/redemptions")
@require_session_token
def redeem_for_member(customer_id: int):
    """Staff redeem a customer's points for them: 202, the code made by the worker."""
    customer = _customer(customer_id)
    reward = spend_points(customer, "staff", utcnow())
    db.session.commit()
    request_reward_code(reward.id)
    return jsonify(reward=reward_answer(reward)), 202


@bp.get("/referrals")
@require_session_token
def referrals():
    """Referrals newest first: welcomed, completed, or refused with the reason explained."""
    return jsonify(referrals=[referral_answer(r) for r in referrals_of(g.shop.domain)])


def _customer(customer_id: int) -> Customer:
    customer = customer_for(g.shop.domain, customer_id)
    if customer is None:
        raise ApiError(404, "not_found", "No such customer in this shop.")
    return customer
