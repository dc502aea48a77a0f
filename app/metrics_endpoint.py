"""GET /metrics for Prometheus, behind a bearer token (METRICS_TOKEN); absent without one."""

import hmac

from flask import Blueprint, Response, abort, current_app, request

from app.errors import ApiError
from app.metrics import exposition

bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
def metrics():
    """Every process's counters and the database's gauges, in Prometheus' text format."""
    token = current_app.config["BATON"].metrics_token
    if not token:
        abort(404)  # not served at all until an operator sets a token
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(given.encode(), token.encode()):
        raise ApiError(
            401,
            "invalid_token",
            "Send Authorization: Bearer with the METRICS_TOKEN value.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    body, content_type = exposition()
    return Response(body, content_type=content_type)
