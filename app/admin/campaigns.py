"""Admin JSON API for campaigns: list, create, read, replace, delete."""

from flask import Blueprint, g, jsonify, request

from app.admin.responses import refuse_invalid
from app.admin.session import require_session_token
from app.errors import ApiError
from app.extensions import db
from app.popups.campaigns import campaign_for, campaigns_for, save_campaign
from app.popups.pools import request_refills
from app.popups.storefront_config import request_publish
from app.schemas.campaign import campaign_answer, read_campaign

bp = Blueprint("campaigns", __name__, url_prefix="/admin/api/campaigns")


@bp.get("")
@require_session_token
def index():
    """Every campaign of the shop."""
    return jsonify(campaigns=[campaign_answer(c) for c in campaigns_for(g.shop.domain)])


@bp.post("")
@require_session_token
def create():
    """Create a campaign; invalid fields come back as a 400 listing each one."""
    campaign = save_campaign(g.shop.domain, _validated())
    db.session.commit()
    request_refills(campaign)
    request_publish(g.shop.domain)
    return jsonify(campaign_answer(campaign)), 201


@bp.get("/<int:campaign_id>")
@require_session_token
def show(campaign_id: int):
    """One campaign of this shop."""
    return jsonify(campaign_answer(_owned(campaign_id)))


@bp.put("/<int:campaign_id>")
@require_session_token
def replace(campaign_id: int):
    """Replace a campaign's settings; prizes keep their award counts by position."""
    campaign = save_campaign(g.shop.domain, _validated(), _owned(campaign_id))
    db.session.commit()
    request_refills(campaign)
    request_publish(g.shop.domain)
    return jsonify(campaign_answer(campaign))


@bp.delete("/<int:campaign_id>")
@require_session_token
def remove(campaign_id: int):
    """Delete a campaign and its prizes and variants; plays go with it."""
    db.session.delete(_owned(campaign_id))
    db.session.commit()
    request_publish(g.shop.domain)
    return "", 204


def _owned(campaign_id: int):
    campaign = campaign_for(g.shop.domain, campaign_id)
    if campaign is None:
        raise ApiError(404, "not_found", "No such campaign in this shop")
    return campaign


def _validated() -> dict:
    clean, errors = read_campaign(request.get_json(silent=True))
    refuse_invalid("invalid_campaign", errors)
    return clean
