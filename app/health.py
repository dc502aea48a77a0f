"""Health: /livez for load balancers (the process answers), /healthz for operators (the
database, Redis, the worker heartbeat and the age of the webhook backlog)."""

from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from redis.exceptions import RedisError
from rq import Worker
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, redis_queues
from app.intake import backlog
from app.models.types import utcnow

bp = Blueprint("health", __name__)
# RQ workers beat every few seconds while idle; a minute of silence means none is alive.
HEARTBEAT_STALE = timedelta(seconds=60)


@bp.get("/livez")
def livez():
    """The process answers. Nothing else is checked: intake keeps storing deliveries while the
    worker or Redis is away, so a load balancer must not take it offline for that."""
    return jsonify(status="ok")


@bp.get("/healthz")
def healthz():
    """Report each dependency and the backlog; 503 when any is down, for an operator's alert."""
    report = {"database": _database(), "redis": _redis()}
    report["backlog"] = _backlog() if report["database"] == "ok" else {"status": "unknown"}
    report["worker"] = _worker() if report["redis"] == "ok" else {"status": "unknown"}
    settings = current_app.config["BATON"]
    report["shopify"] = {
        "configured": settings.shopify_configured,
        "missing": list(settings.missing_for_real_store),
    }
    healthy = report["database"] == "ok" and report["redis"] == "ok"
    healthy = healthy and report["worker"]["status"] == "ok"
    report["status"] = "ok" if healthy else "degraded"
    return jsonify(report), 200 if healthy else 503


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except SQLAlchemyError as error:
        return f"error: {type(error).__name__}"
    finally:
        db.session.rollback()


def _backlog() -> dict:
    waiting, age = backlog()
    return {"waiting": waiting, "oldest_seconds": round(age, 1)}


def _redis() -> str:
    try:
        redis_queues.connection.ping()
        return "ok"
    except RedisError as error:
        return f"error: {type(error).__name__}"


def _worker() -> dict:
    workers = Worker.all(connection=redis_queues.connection)
    beats = [worker.last_heartbeat for worker in workers if worker.last_heartbeat]
    latest = max(beats, default=None)
    alive = latest is not None and utcnow() - latest <= HEARTBEAT_STALE
    return {
        "status": "ok" if alive else "no live worker",
        "count": len(workers),
        "last_heartbeat": latest.isoformat() if latest else None,
    }
