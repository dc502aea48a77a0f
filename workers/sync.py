"""Sync jobs: flush a batch of outbox tasks to one platform, collect the results of batches it
runs asynchronously, and poll a platform for unsubscribes made there.

Each task ends done, retried later (transient, with backoff), or dead (a dead letter with the
vendor's words). Every job is safe to run twice: a task is claimed before it is sent.
"""

import logging
import random
from datetime import timedelta

from sqlalchemy import select, text

from app import logs
from app.extensions import db, redis_queues
from app.metrics import SYNC_TASKS
from app.models import PlatformConnection, SyncTask
from app.models.types import utcnow
from app.sync.outbox import flush_started, schedule_flush
from app.sync.outcomes import PERMANENT, TRANSIENT, WAITING, Outcome
from app.sync.platforms import PLATFORMS, PlatformError
from app.sync.platforms.base import ONE_BY_ONE

MAX_ATTEMPTS = 8
COLLECT_JOB = "workers.sync.collect_batch"
# An asynchronous batch is asked after 1, 2, 4... s, then every minute, for about half an hour.
BATCH_POLL_FIRST_SECONDS = 1
BATCH_POLL_CAP_SECONDS = 60
MAX_BATCH_POLLS = 36
BACKOFF_BASE_SECONDS = 2
BACKOFF_CAP_SECONDS = 600
log = logging.getLogger(__name__)


def flush_sync(shop_domain: str, platform: str, operation: str) -> int:
    """Send every due pending task of one batch key, a vendor-sized batch at a time."""
    key = (shop_domain, platform, operation)
    flush_started(key)
    sent = 0
    with logs.bound(shop=shop_domain, platform=platform, operation=operation):
        while True:
            tasks = _claim(key, PLATFORMS[platform].batch_sizes.get(operation, ONE_BY_ONE))
            if not tasks:
                break
            _process(tasks)
            sent += len(tasks)
        _schedule_retries(key)
    return sent


def run_sync_task(task_id: int) -> str:
    """Send one pending task now, whatever its backoff says (replays, the admin's retry)."""
    task = db.session.get(SyncTask, task_id)
    if task is None or task.status != "pending":
        return task.status if task else "missing"
    _process([task])
    return task.status


def _claim(key, limit: int) -> list[SyncTask]:
    # One UPDATE ... RETURNING: two flushes of the same key never send the same task.
    skip_locked = " FOR UPDATE SKIP LOCKED" if db.engine.dialect.name == "postgresql" else ""
    ids = (
        db.session.execute(
            text(
                "UPDATE sync_task SET status = 'sending', updated_at = :now WHERE id IN ("
                "SELECT id FROM sync_task WHERE shop_domain = :shop AND platform = :platform "
                "AND operation = :operation AND status = 'pending' "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= :now) "
                f"ORDER BY id LIMIT :limit{skip_locked}) RETURNING id"
            ),
            {
                "now": utcnow().replace(tzinfo=None),
                "shop": key[0],
                "platform": key[1],
                "operation": key[2],
                "limit": limit,
            },
        )
        .scalars()
        .all()
    )
    db.session.commit()
    return list(
        db.session.scalars(select(SyncTask).where(SyncTask.id.in_(ids)).order_by(SyncTask.id))
    )


def _process(tasks: list[SyncTask]) -> None:
    first = tasks[0]
    platform = PLATFORMS[first.platform]
    connection = _connection(first.shop_domain, first.platform) if platform.connectable else None
    if platform.connectable and connection is None:
        outcomes = _disconnected(tasks)
    else:
        outcomes = platform.send(connection, tasks)
    for task in tasks:
        _record(task, outcomes[task.id], connection)
    db.session.commit()
    for batch_id in {outcome.detail for outcome in outcomes.values() if outcome.kind == WAITING}:
        _collect_later(first.shop_domain, batch_id, polls=0)


def collect_batch(shop_domain: str, batch_id: str, polls: int = 0) -> int:
    """Record the results of an asynchronous batch for the tasks still waiting on it."""
    tasks = list(
        db.session.scalars(
            select(SyncTask).where(
                SyncTask.shop_domain == shop_domain,
                SyncTask.vendor_batch_id == batch_id,
                SyncTask.status == "sending",
            )
        )
    )
    if not tasks:
        return 0  # collected already (a job run twice), or swept back to pending
    platform = PLATFORMS[tasks[0].platform]
    connection = _connection(shop_domain, platform.name)
    outcomes = None
    if connection is None:
        outcomes = _disconnected(tasks)
    else:
        try:
            outcomes = platform.collect(connection, tasks, batch_id)
        except PlatformError as error:
            # A blip while asking is asked again later; a refusal is every task's outcome.
            if error.outcome.kind != TRANSIENT or polls >= MAX_BATCH_POLLS:
                outcomes = dict.fromkeys((task.id for task in tasks), error.outcome)
    if outcomes is None and polls < MAX_BATCH_POLLS:
        for task in tasks:
            task.updated_at = utcnow()  # still being watched: the sweeper leaves it alone
        db.session.commit()
        _collect_later(shop_domain, batch_id, polls + 1)
        return 0
    if outcomes is None:
        outcomes = {
            task.id: Outcome(TRANSIENT, f"{platform.label} batch {batch_id} did not finish in time")
            for task in tasks
        }
    for task in tasks:
        task.vendor_batch_id = None
        _record(task, outcomes[task.id], connection)
    db.session.commit()
    _schedule_retries((shop_domain, platform.name, tasks[0].operation))
    return len(tasks)


def _connection(shop_domain: str, platform: str) -> PlatformConnection | None:
    return db.session.scalar(
        select(PlatformConnection).where(
            PlatformConnection.shop_domain == shop_domain,
            PlatformConnection.platform == platform,
        )
    )


def _disconnected(tasks: list[SyncTask]) -> dict[int, Outcome]:
    return {task.id: Outcome(PERMANENT, "the platform was disconnected") for task in tasks}


def _collect_later(shop_domain: str, batch_id: str, polls: int) -> None:
    delay = min(BATCH_POLL_FIRST_SECONDS * 2**polls, BATCH_POLL_CAP_SECONDS)
    redis_queues.queue("sync").enqueue_in(
        timedelta(seconds=delay), COLLECT_JOB, shop_domain, batch_id, polls, result_ttl=0
    )


def _record(task: SyncTask, outcome: Outcome, connection) -> None:
    if outcome.kind == WAITING:
        task.vendor_batch_id = outcome.detail  # stays "sending" until collect_batch
        return
    task.attempts += 1
    task.last_error = outcome.detail or None
    if outcome.kind == TRANSIENT and task.attempts < MAX_ATTEMPTS:
        delay = max(outcome.retry_after or 0, _backoff(task.attempts))
        task.status, task.next_attempt_at = "pending", utcnow() + timedelta(seconds=delay)
        SYNC_TASKS.labels(task.platform, "retried").inc()
    elif outcome.kind in (TRANSIENT, PERMANENT):
        task.status = "dead"  # shown to the merchant with the vendor's words, to retry or drop
        log.warning("sync task %s is a dead letter: %s", task.id, outcome.detail)
        SYNC_TASKS.labels(task.platform, "dead").inc()
    else:
        task.status, task.done_at, task.next_attempt_at = "done", utcnow(), None
        SYNC_TASKS.labels(task.platform, "done").inc()
        if connection is not None:
            connection.last_synced_at = task.done_at


def _schedule_retries(key) -> None:
    # Tasks backing off need a flush when their wait ends; an early flush just skips them.
    due = db.session.scalar(
        select(SyncTask.next_attempt_at)
        .where(
            SyncTask.shop_domain == key[0],
            SyncTask.platform == key[1],
            SyncTask.operation == key[2],
            SyncTask.status == "pending",
            SyncTask.next_attempt_at.is_not(None),
        )
        .order_by(SyncTask.next_attempt_at)
        .limit(1)
    )
    db.session.rollback()
    if due is not None:
        schedule_flush(key, delay_seconds=max((due - utcnow()).total_seconds(), 0.1))


def _backoff(attempt: int) -> float:
    # Full jitter, so a storm of 429s does not come back as a synchronised second storm.
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
    return random.uniform(ceiling / 2, ceiling)


def poll_suppressions(connection_id: int) -> int:
    """Read unsubscribes the platform recorded since the last poll and spread them."""
    connection = db.session.get(PlatformConnection, connection_id)
    if connection is None or not PLATFORMS[connection.platform].polls_suppressions:
        return 0
    platform = PLATFORMS[connection.platform]
    try:
        found = platform.poll_suppressions(connection)
    except PlatformError as error:
        db.session.rollback()
        if error.outcome.kind == TRANSIENT:
            raise  # RQ retries the poll; nothing was recorded
        log.warning(
            "polling %s suppressions for %s failed: %s",
            platform.label,
            connection.shop_domain,
            error,
        )
        return 0
    db.session.commit()
    return found
