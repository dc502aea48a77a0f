"""Webhook intake: verify, record once, announce, answer. The work happens in workers/."""

from flask import Blueprint, jsonify, request

from app.errors import ApiError
from app.intake import accept_delivery, config_secret, headers_from
from app.shopify.verify import webhook_hmac_valid

bp = Blueprint("webhooks", __name__)


@bp.post("/webhooks")
@bp.post("/webhooks/compliance")
def receive():
    """Accept one Shopify delivery of any topic, compliance topics included."""
    body = request.get_data(cache=False)
    # The HMAC covers the raw bytes, so nothing is parsed before it is checked.
    if not webhook_hmac_valid(body, request.headers.get("X-Shopify-Hmac-Sha256"), config_secret()):
        raise ApiError(401, "invalid_hmac", "X-Shopify-Hmac-Sha256 does not match the body")
    result = accept_delivery(headers_from(request.headers, body), body)
    return jsonify(delivery_id=result.delivery_id, status=result.status, duplicate=result.duplicate)
