"""Queue deliveries that intake could not announce, and free claims of dead workers."""

import logging
from datetime import datetime, timedelta

from flask import current_app
from rq import Queue
from rq.exceptions import DuplicateJobError
from sqlalchemy import select, update

from app.extensions import db, redis_queues
from app.intake import prune_finished, purge_awaiting_install, waiting_deliveries
from app.models import PlatformConnection, SyncTask
from app.models.types import utcnow
from app.sync.outbox import schedule_flush
from app.sync.platforms import PLATFORMS
from app.sync.segment_refresh import queue_segment_changes
from workers.dispatcher import BATCH, enqueue_batch

log = logging.getLogger(__name__)
MAX_PER_SWEEP = 5000


def sweep_deliveries(
    queue: Queue | None = None,
    grace: timedelta | None = None,
    abandoned_after: timedelta | None = None,
) -> int:
    """Release abandoned claims, then queue every delivery still waiting; returns how many."""
    waiting, released = waiting_deliveries(grace, abandoned_after, limit=MAX_PER_SWEEP)
    # A delivery queued twice is harmless: the claim lets only one job run it.
    queue = queue or redis_queues.queue("webhooks")
    origin = f"sweep{int(utcnow().timestamp())}"
    for start in range(0, len(waiting), BATCH):
        enqueue_batch(queue, waiting[start : start + BATCH], origin=origin)
    if waiting or released:
        log.info(
            "sweeper queued %d deliveries, released %d abandoned claims", len(waiting), released
        )
    return len(waiting)


def prune_old_deliveries() -> int:
    """Drop stored deliveries past their retention: finished ones after
    BATON_DELIVERY_RETENTION_DAYS, those kept for a shop that never opened Baton after
    BATON_AWAITING_INSTALL_DAYS. Their bodies are copies of shoppers' data."""
    settings = current_app.config["BATON"]
    now = utcnow()
    finished = prune_finished(older_than=now - timedelta(days=settings.delivery_retention_days))
    waiting = purge_awaiting_install(
        older_than=now - timedelta(days=settings.awaiting_install_days)
    )
    db.session.commit()
    if finished or waiting:
        log.info("pruned %d finished deliveries and %d never installed", finished, waiting)
    return finished + waiting


# A pending sync task untouched this long lost its announcement (or its worker died).
SYNC_STALE_AFTER = timedelta(minutes=15)


def sweep_sync_tasks(stale_after: timedelta = SYNC_STALE_AFTER) -> int:
    """Put back tasks a dead worker was sending, and flush batches nobody flushed."""
    cutoff = utcnow() - stale_after
    db.session.execute(
        update(SyncTask)
        .where(SyncTask.status == "sending", SyncTask.updated_at < cutoff)
        .values(status="pending")
    )
    db.session.commit()
    keys = db.session.execute(
        select(SyncTask.shop_domain, SyncTask.platform, SyncTask.operation)
        .where(SyncTask.status == "pending", SyncTask.updated_at < cutoff)
        .distinct()
        .limit(MAX_PER_SWEEP)
    ).all()
    db.session.rollback()
    for key in keys:
        schedule_flush(tuple(key), delay_seconds=0)
    return len(keys)


# How often a platform that keeps its own suppressions is asked for those made there.
SUPPRESSION_POLL_EVERY = timedelta(minutes=10)
POLL_JOB = "workers.sync.poll_suppressions"


def schedule_suppression_polls(every: timedelta = SUPPRESSION_POLL_EVERY) -> int:
    """Queue a suppression poll for each connection to such a platform not polled recently."""
    polled = [name for name, platform in PLATFORMS.items() if platform.polls_suppressions]
    due = db.session.scalars(
        select(PlatformConnection.id).where(
            PlatformConnection.platform.in_(polled),
            (PlatformConnection.suppressions_polled_at.is_(None))
            | (PlatformConnection.suppressions_polled_at < utcnow() - every),
        )
    ).all()
    db.session.rollback()
    queued = 0
    for connection_id in due:
        try:
            redis_queues.queue("sync").enqueue(
                POLL_JOB,
                connection_id,
                job_id=f"suppression-poll-{connection_id}",
                unique=True,
                result_ttl=0,
            )
            queued += 1
        except DuplicateJobError:
            pass  # the last poll is still waiting its turn
    return queued


SEGMENTS_WATERMARK = "baton:segments:refreshed-until"
# Where a sweeper with no watermark (a fresh Redis) starts looking.
SEGMENTS_FIRST_LOOK_BACK = timedelta(hours=1)


def refresh_time_based_segments() -> int:
    """Queue profile updates for everyone whose segments changed since the last look."""
    connection = redis_queues.connection
    now = utcnow()
    seen = connection.get(SEGMENTS_WATERMARK)
    since = datetime.fromisoformat(seen.decode()) if seen else now - SEGMENTS_FIRST_LOOK_BACK
    queued = queue_segment_changes(since, now)
    connection.set(SEGMENTS_WATERMARK, now.isoformat())
    return queued
