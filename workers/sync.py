"""run_sync_task(task_id): one piece of work for one email platform; safe to run twice."""

import logging
import random

from sqlalchemy import select

from app.extensions import db
from app.models import PlatformConnection, SyncTask
from app.models.types import utcnow
from app.sync.klaviyo import KlaviyoError
from app.sync.operations import client_for, perform
from app.sync.outbox import announce
from app.sync.outcomes import PERMANENT, TRANSIENT
from app.sync.platform_events import platform_unsubscribed
from app.sync.shopify_consent import push_unsubscribe

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 2
BACKOFF_CAP_SECONDS = 600
log = logging.getLogger(__name__)


def run_sync_task(task_id: int) -> str:
    """Perform a pending task, then record done, a later retry, or a dead letter."""
    task = db.session.get(SyncTask, task_id)
    if task is None or task.status != "pending":
        return task.status if task else "missing"
    if task.platform == "shopify":
        return _record(task, push_unsubscribe(task), connection=None)
    connection = db.session.scalar(
        select(PlatformConnection).where(
            PlatformConnection.shop_domain == task.shop_domain,
            PlatformConnection.platform == task.platform,
        )
    )
    if connection is None:
        task.status, task.last_error = "skipped", "the platform was disconnected"
        db.session.commit()
        return task.status
    return _record(task, perform(task, connection), connection)


def _record(task: SyncTask, outcome, connection) -> str:
    task.attempts += 1
    task.last_error = outcome.detail or None
    retry_in = None
    if outcome.kind == TRANSIENT and task.attempts < MAX_ATTEMPTS:
        retry_in = max(outcome.retry_after or 0, _backoff(task.attempts))
    elif outcome.kind in (TRANSIENT, PERMANENT):
        task.status = "dead"  # shown to the merchant with the vendor's words, to retry or drop
        log.warning("sync task %s is a dead letter: %s", task.id, outcome.detail)
    else:
        task.status, task.done_at = "done", utcnow()
        if connection is not None:
            connection.last_synced_at = task.done_at
    db.session.commit()
    if retry_in is not None:
        announce([task.id], delay_seconds=retry_in)
    return task.status


def _backoff(attempt: int) -> float:
    # Full jitter, so a storm of 429s does not come back as a synchronised second storm.
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
    return random.uniform(ceiling / 2, ceiling)


def poll_klaviyo_suppressions(connection_id: int) -> int:
    """Read suppressions Klaviyo recorded since the last poll and spread them; returns how many."""
    connection = db.session.get(PlatformConnection, connection_id)
    if connection is None or connection.platform != "klaviyo":
        return 0
    since = connection.suppressions_read_until or connection.created_at
    newest, found = since, 0
    try:
        for email, reason, at in client_for(connection).suppressed_since(since):
            found += platform_unsubscribed(connection, email, f"{reason} in Klaviyo")
            newest = max(newest, at)
    except KlaviyoError as error:
        db.session.rollback()
        if error.outcome.kind == TRANSIENT:
            raise  # RQ retries the poll; nothing was recorded
        log.warning("polling Klaviyo suppressions for %s failed: %s", connection.shop_domain, error)
        return 0
    connection.suppressions_read_until = newest
    connection.suppressions_polled_at = utcnow()
    db.session.commit()
    return found
