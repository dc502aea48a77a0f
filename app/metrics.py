"""Prometheus metrics: the counters every layer may increment, and nothing else.

Counters and histograms live in the process that sees the event. Under gunicorn and the worker
(`python -m workers`) prometheus-client runs in multiprocess mode: each process writes its
values to files in PROMETHEUS_MULTIPROC_DIR, set before the first import of prometheus-client
(gunicorn.conf.py, workers/__main__.py), and a scrape adds them up (app/metrics_endpoint.py,
which also reads the database's state).
"""

import time

from prometheus_client import Counter, Histogram, values

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


def in_multiprocess_mode() -> bool:
    """Whether this process's values go to PROMETHEUS_MULTIPROC_DIR: decided when the client
    was first imported, whatever the environment says now."""
    return values.ValueClass is not values.MutexValue


# Every metric above, for a scrape in a process that is not in multiprocess mode.
ALL = (
    DELIVERIES_RECEIVED,
    DELIVERIES_FINISHED,
    DELIVERIES_RETRIED,
    SYNC_TASKS,
    VENDOR_RATE_LIMITED,
    SHOPIFY_THROTTLE_WAIT,
    PLAYS,
    PLAY_SECONDS,
)


def counted_shopify_wait(seconds: float) -> None:
    """time.sleep for the Admin API client, counting what Shopify's throttling costs."""
    SHOPIFY_THROTTLE_WAIT.inc(seconds)
    time.sleep(seconds)
