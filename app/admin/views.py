"""Embedded admin pages and their JSON API; every route authenticates with a session token."""

from flask import Blueprint, g, jsonify, request

from app.admin.queries import (
    delivery_for_shop,
    privacy_request_for,
    privacy_requests_for,
    recent_deliveries,
)
from app.admin.session import require_session_token
from app.errors import ApiError
from app.profiles.imports import latest_import, start_import

bp = Blueprint("admin", __name__)


@bp.get("/admin/api/shop")
@require_session_token
def shop_details():
    """The current shop as the embedded admin shows it."""
    shop = g.shop
    return jsonify(
        domain=shop.domain,
        scopes=shop.scopes.split(",") if shop.scopes else [],
        installed_at=shop.installed_at.isoformat(),
    )


@bp.get("/admin/api/deliveries")
@require_session_token
def deliveries():
    """The webhook intake log for this shop, newest first."""
    status = request.args.get("status") or None
    rows = recent_deliveries(g.shop.domain, status)
    return jsonify(deliveries=[_delivery_json(row) for row in rows])


@bp.get("/admin/api/deliveries/<int:delivery_id>")
@require_session_token
def delivery(delivery_id: int):
    """One delivery of this shop; another shop's id is simply not found."""
    row = delivery_for_shop(g.shop.domain, delivery_id)
    if row is None:
        raise ApiError(404, "not_found", "No such delivery for this shop")
    return jsonify(_delivery_json(row) | {"body": row.body})


@bp.get("/admin/api/privacy/requests")
@require_session_token
def privacy_requests():
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


@bp.get("/admin/api/privacy/requests/<int:request_id>/export")
@require_session_token
def privacy_export(request_id: int):
    """Download the JSON export made for a customers/data_request."""
    row = privacy_request_for(g.shop.domain, request_id)
    if row is None or row.export is None:
        raise ApiError(404, "not_found", "No export for that request in this shop")
    response = jsonify(row.export)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="baton-data-request-{row.id}.json"'
    )
    return response


@bp.get("/admin/api/backfill")
@require_session_token
def backfill_status():
    """The latest backfill or reconciliation, with what the progress bar needs."""
    run = latest_import(g.shop.domain)
    return jsonify(run=_run_json(run) if run else None)


@bp.post("/admin/api/backfill")
@require_session_token
def backfill_start():
    """Start a backfill of customers and orders; a second click returns the running one."""
    run = start_import(g.shop.domain)
    return jsonify(run=_run_json(run)), 202


def _run_json(run) -> dict:
    return {
        "id": run.id,
        "kind": run.kind,
        "status": run.status,
        "phase": run.phase,
        "objects_done": run.objects_done,
        "objects_total": run.objects_total,
        "percent": run.percent,
        "skipped": run.skipped,
        "error": run.error,
    }


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
