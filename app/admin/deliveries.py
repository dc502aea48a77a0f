"""Admin JSON API: the shop's webhook intake log, to see what Shopify sent and how it went."""

from flask import Blueprint, g, jsonify, request

from app.admin.queries import delivery_for_shop, recent_deliveries
from app.admin.session import require_session_token
from app.errors import ApiError

bp = Blueprint("deliveries", __name__, url_prefix="/admin/api/deliveries")


@bp.get("")
@require_session_token
def index():
    """The webhook intake log for this shop, newest first."""
    status = request.args.get("status") or None
    rows = recent_deliveries(g.shop.domain, status)
    return jsonify(deliveries=[_delivery_json(row) for row in rows])


@bp.get("/<int:delivery_id>")
@require_session_token
def show(delivery_id: int):
    """One delivery of this shop; another shop's id is simply not found."""
    row = delivery_for_shop(g.shop.domain, delivery_id)
    if row is None:
        raise ApiError(404, "not_found", "No such delivery for this shop")
    return jsonify(_delivery_json(row) | {"body": row.body})


def _delivery_json(row) -> dict:
    return {
        "id": row.id,
        "topic": row.topic,
        "status": row.status,
        "error": row.error,
        "attempts": row.attempts,
        "received_at": row.received_at.isoformat(),
        "processed_at": row.processed_at.isoformat() if row.processed_at else None,
    }
