"""GET /metrics for Prometheus, behind a bearer token (METRICS_TOKEN); absent without one."""

import hmac

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from app.errors import ApiError
from app.extensions import db
from app.intake import backlog
from app.metrics import ALL, in_multiprocess_mode
from app.models import CouponCode, SyncTask

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


class DatabaseState:
    """Gauges read from the database when scraped: backlog, sync tasks and code pools."""

    def collect(self):
        waiting, oldest_age = backlog()
        stored = GaugeMetricFamily(
            "baton_webhook_backlog", "Deliveries stored and not yet taken by a worker."
        )
        stored.add_metric([], waiting)
        age = GaugeMetricFamily(
            "baton_webhook_backlog_age_seconds", "How long the oldest waiting delivery has waited."
        )
        age.add_metric([], oldest_age)
        tasks = GaugeMetricFamily(
            "baton_sync_tasks", "Sync tasks by platform and status.", labels=["platform", "status"]
        )
        for platform, status, count in db.session.execute(
            select(SyncTask.platform, SyncTask.status, func.count()).group_by(
                SyncTask.platform, SyncTask.status
            )
        ):
            tasks.add_metric([platform, status], count)
        pool = GaugeMetricFamily(
            "baton_code_pool_available", "Codes in pools, confirmed in Shopify and not handed out."
        )
        pool.add_metric(
            [], db.session.scalar(select(func.count()).where(CouponCode.status == "available"))
        )
        db.session.rollback()
        yield from (stored, age, tasks, pool)


def exposition(with_database: bool = True) -> tuple[bytes, str]:
    """The text a scrape gets: every process's values, and the database's state."""
    registry = CollectorRegistry()
    if in_multiprocess_mode():
        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in ALL:
            registry.register(metric)
    if with_database:
        registry.register(DatabaseState())
    return generate_latest(registry), CONTENT_TYPE_LATEST
