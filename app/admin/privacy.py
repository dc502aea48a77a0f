"""Admin JSON API: the GDPR requests Shopify forwarded, and the exports made for them."""

from flask import Blueprint, g, jsonify

from app.admin.queries import privacy_request_for, privacy_requests_for
from app.admin.session import require_session_token
from app.errors import ApiError

bp = Blueprint("privacy", __name__, url_prefix="/admin/api/privacy")


@bp.get("/requests")
@require_session_token
def requests():
    """GDPR requests Shopify forwarded for this shop, newest first."""
    rows = privacy_requests_for(g.shop.domain)
    return jsonify(
        requests=[
            {
                "id": row.id,
                "kind": row.kind,
                "status": row.status,
                "received_at": row.received_at.isoformat(),
                "completed_at": row.completed_at.isoformat() if row.completed_at else None,
                "has_export": row.export is not None,
            }
            for row in rows
        ]
    )


@bp.get("/requests/<int:request_id>/export")
@require_session_token
def export(request_id: int):
    """Download the JSON export made for a customers/data_request."""
    row = privacy_request_for(g.shop.domain, request_id)
    if row is None or row.export is None:
        raise ApiError(404, "not_found", "No export for that request in this shop")
    response = jsonify(row.export)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="baton-data-request-{row.id}.json"'
    )
    return response
