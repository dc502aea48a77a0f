"""Prometheus metrics: what the processes count, and what the database and Redis hold.

Counters and histograms live in the process that sees the event. Under gunicorn and the worker
(`python -m workers`) prometheus-client runs in multiprocess mode: each process writes its
values to files in PROMETHEUS_MULTIPROC_DIR, set before the first import of prometheus-client
(gunicorn.conf.py, workers/__main__.py), and a scrape adds them up. State (the webhook backlog,
sync tasks by status, code pools) is read from the database at scrape time, so it is the same
whichever process answers.
"""

import time
from functools import wraps

from flask import g
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from app.errors import ApiError
from app.extensions import db
from app.models import CouponCode, SyncTask
from app.problems import Problem

DELIVERIES_RECEIVED = Counter(
    "baton_webhook_deliveries_received_total",
    "Signed deliveries answered by intake, by result: stored, duplicate (a replay), ignored.",
    ["result"],
)
DELIVERIES_FINISHED = Counter(
    "baton_webhook_deliveries_finished_total",
    "Deliveries the worker finished, by status (processed, ignored, failed, ...).",
    ["status"],
)
DELIVERIES_RETRIED = Counter(
    "baton_webhook_deliveries_retried_total",
    "Delivery attempts that failed for a transient reason and will be tried again.",
)
SYNC_TASKS = Counter(
    "baton_sync_tasks_total",
    "Sync task attempts by platform and outcome: done, retried or dead.",
    ["platform", "outcome"],
)
VENDOR_RATE_LIMITED = Counter(
    "baton_vendor_rate_limited_total",
    "429 answers from an email platform, by platform.",
    ["platform"],
)
SHOPIFY_THROTTLE_WAIT = Counter(
    "baton_shopify_throttle_wait_seconds_total",
    "Seconds spent waiting for Shopify's GraphQL cost bucket or a Retry-After.",
)
PLAYS = Counter(
    "baton_plays_total",
    "Plays by outcome: won (a code), no_code (a no-prize slice), refused (a 4xx), failed.",
    ["outcome"],
)
PLAY_SECONDS = Histogram(
    "baton_play_duration_seconds",
    "Time to answer a play, from signature check to response.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


class DatabaseState:
    """Gauges read from the database when scraped: backlog, sync tasks and code pools."""

    def collect(self):
        from app.intake import backlog as delivery_backlog  # intake imports this module

        waiting, oldest_age = delivery_backlog()
        backlog = GaugeMetricFamily(
            "baton_webhook_backlog", "Deliveries stored and not yet taken by a worker."
        )
        backlog.add_metric([], waiting)
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
        yield from (backlog, age, tasks, pool)


def in_multiprocess_mode() -> bool:
    """Whether this process's values go to PROMETHEUS_MULTIPROC_DIR: decided when the client
    was first imported, whatever the environment says now."""
    return values.ValueClass is not values.MutexValue


def exposition(with_database: bool = True) -> tuple[bytes, str]:
    """The text a scrape gets: every process's values, and the database's state."""
    registry = CollectorRegistry()
    if in_multiprocess_mode():
        multiprocess.MultiProcessCollector(registry)
    else:
        for metric in (
            DELIVERIES_RECEIVED,
            DELIVERIES_FINISHED,
            DELIVERIES_RETRIED,
            SYNC_TASKS,
            VENDOR_RATE_LIMITED,
            SHOPIFY_THROTTLE_WAIT,
            PLAYS,
            PLAY_SECONDS,
        ):
            registry.register(metric)
    if with_database:
        registry.register(DatabaseState())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def counted_play(view):
    """Count a play view's outcome and time it; the view sets g.play_outcome when it answers."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        outcome = "failed"
        try:
            response = view(*args, **kwargs)
            outcome = g.get("play_outcome", "won")
            return response
        except (ApiError, Problem):
            outcome = "refused"
            raise
        finally:
            PLAYS.labels(outcome).inc()
            PLAY_SECONDS.observe(time.perf_counter() - started)

    return wrapper
