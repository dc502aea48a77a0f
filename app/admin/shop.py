"""Admin JSON API: the shop itself, and the import of its Shopify history."""

from flask import Blueprint, g, jsonify

from app.admin.session import require_session_token
from app.profiles.imports import latest_import, start_import

bp = Blueprint("shop", __name__, url_prefix="/admin/api")


@bp.get("/shop")
@require_session_token
def details():
    """The current shop as the embedded admin shows it."""
    shop = g.shop
    return jsonify(
        domain=shop.domain,
        scopes=shop.scopes.split(",") if shop.scopes else [],
        installed_at=shop.installed_at.isoformat(),
    )


@bp.get("/backfill")
@require_session_token
def backfill_status():
    """The latest backfill or reconciliation, with what the progress bar needs."""
    run = latest_import(g.shop.domain)
    return jsonify(run=_run_json(run) if run else None)


@bp.post("/backfill")
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
