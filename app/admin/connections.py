"""Admin JSON API: email-platform connections, and the sync dead letters."""

from flask import Blueprint, g, jsonify
from sqlalchemy import select

from app.admin.queries import deliveries_per_hour, delivery_counts, sync_backlog
from app.admin.responses import json_object
from app.admin.session import require_session_token
from app.errors import ApiError
from app.extensions import db
from app.models import SyncTask
from app.sync.backfill import latest_backfill, queue_backfill, start_backfill
from app.sync.connections import (
    connections_for,
    disconnect,
    email_platform,
    lists_for,
    save_connection,
)
from app.sync.outbox import announce_after_commit

bp = Blueprint("connections", __name__, url_prefix="/admin/api")


@bp.get("/connections")
@require_session_token
def index():
    """The shop's connections; keys never leave the server."""
    return jsonify(connections=[_connection_json(c) for c in connections_for(g.shop.domain)])


@bp.put("/connections/<platform>")
@require_session_token
def connect(platform: str):
    """Check the key and list with the vendor, then save them encrypted."""
    connection = save_connection(g.shop.domain, platform, json_object())
    db.session.commit()
    return jsonify(_connection_json(connection))


@bp.post("/connections/<platform>/lists")
@require_session_token
def lists(platform: str):
    """The lists or audiences the given key can see, for the picker."""
    return jsonify(lists=lists_for(platform, json_object().get("api_key")))


@bp.delete("/connections/<platform>")
@require_session_token
def remove(platform: str):
    if not disconnect(g.shop.domain, platform):
        raise ApiError(404, "not_found", "That platform is not connected.")
    db.session.commit()
    return "", 204


@bp.post("/connections/<platform>/backfill")
@require_session_token
def backfill(platform: str):
    """Send every existing customer to the platform; a second click returns the same run."""
    connection = _connection(platform)
    run = start_backfill(connection)
    queued = run.id is None
    db.session.commit()
    if queued:
        queue_backfill(run)
    return jsonify(_backfill_json(run)), 202


@bp.get("/connections/<platform>/backfill")
@require_session_token
def backfill_progress(platform: str):
    run = latest_backfill(g.shop.domain, _connection(platform).platform)
    if run is None:
        raise ApiError(404, "not_found", "No backfill has run for this platform yet.")
    return jsonify(_backfill_json(run))


@bp.get("/sync/health")
@require_session_token
def sync_health():
    """The outbox backlog, deliveries per hour and when each platform last took something."""
    return jsonify(
        backlog=sync_backlog(g.shop.domain),
        per_hour=deliveries_per_hour(g.shop.domain),
        platforms=[
            {
                "platform": connection.platform,
                "last_synced_at": connection.last_synced_at.isoformat()
                if connection.last_synced_at
                else None,
            }
            for connection in connections_for(g.shop.domain)
        ],
        intake=delivery_counts(g.shop.domain),
    )


@bp.get("/sync/dead-letters")
@require_session_token
def dead_letters():
    """Tasks that will not succeed by waiting, with the vendor's words."""
    tasks = db.session.scalars(
        select(SyncTask)
        .where(SyncTask.shop_domain == g.shop.domain, SyncTask.status == "dead")
        .order_by(SyncTask.id.desc())
        .limit(200)
    )
    return jsonify(dead_letters=[_task_json(task) for task in tasks])


@bp.post("/sync/dead-letters/<int:task_id>/retry")
@require_session_token
def retry(task_id: int):
    task = _dead(task_id)
    task.status, task.attempts, task.next_attempt_at = "pending", 0, None
    announce_after_commit((task.shop_domain, task.platform, task.operation))
    db.session.commit()
    return jsonify(_task_json(task))


@bp.post("/sync/dead-letters/<int:task_id>/discard")
@require_session_token
def discard(task_id: int):
    task = _dead(task_id)
    task.status = "discarded"
    db.session.commit()
    return jsonify(_task_json(task))


def _connection(platform: str):
    found = [c for c in connections_for(g.shop.domain) if c.platform == platform]
    if not found:
        raise ApiError(404, "not_found", "That platform is not connected.")
    return found[0]


def _backfill_json(run) -> dict:
    return {
        "id": run.id,
        "platform": run.platform,
        "status": run.status,
        "total": run.total,
        "sent": run.sent,
        "subscribed": run.subscribed,
        "held_back": run.held_back,
        "api_calls": run.api_calls,
        "percent": round(100 * run.sent / run.total) if run.total else 100,
        "error": run.last_error,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def _dead(task_id: int) -> SyncTask:
    task = db.session.scalar(
        select(SyncTask).where(SyncTask.id == task_id, SyncTask.shop_domain == g.shop.domain)
    )
    if task is None or task.status != "dead":
        raise ApiError(404, "not_found", "No such dead letter in this shop.")
    return task


def _connection_json(connection) -> dict:
    answer = {
        "platform": connection.platform,
        "list_id": connection.list_id,
        "list_name": connection.list_name,
        "double_optin": connection.double_optin,
        "last_synced_at": connection.last_synced_at.isoformat()
        if connection.last_synced_at
        else None,
    }
    run = latest_backfill(connection.shop_domain, connection.platform)
    answer["backfill"] = _backfill_json(run) if run else None
    return answer | email_platform(connection.platform).admin_details(connection)


def _task_json(task: SyncTask) -> dict:
    return {
        "id": task.id,
        "platform": task.platform,
        "operation": task.operation,
        "subject": task.subject,
        "status": task.status,
        "attempts": task.attempts,
        "error": task.last_error,
        "updated_at": task.updated_at.isoformat() if task.updated_at else None,
    }
