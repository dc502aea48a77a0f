"""The sync outbox: a task row per platform and piece of work, flushed to the vendor in batches.

Rows first, jobs second: a task written in a transaction that rolls back is never sent, and
one whose announcement is lost (Redis down) is found again by the worker's sweeper. Tasks are
sent in micro-batches per shop, platform and operation: the first task of a batch schedules
a flush a short window later (BATON_SYNC_WINDOW_SECONDS), which sends everything then
pending, up to the vendor's maximum per call, and goes on until nothing is left.
"""

import functools
import logging
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from app.extensions import db, redis_queues
from app.models import PlatformConnection, SyncTask
from app.upserts import insert_ignore

FLUSH_JOB = "workers.sync.flush_sync"
PENDING_KEY = "baton_sync_batches"
PLATFORMS_KEY = "baton_connected_platforms"
log = logging.getLogger(__name__)

BatchKey = tuple[str, str, str]  # shop, platform, operation
# A consent task's subject is "<email>|<when the change happened>": each change is its own
# task, so a second unsubscribe after a re-subscription is sent, not taken for a replay.
VERSION_MARK = "|"


def consent_subject(email: str, changed_at: datetime) -> str:
    """The subject of a suppress or consent task for one change of one address."""
    return f"{email}{VERSION_MARK}{changed_at.isoformat()}"


def subject_email(subject: str) -> str:
    """The address a suppress or consent task is about."""
    return subject.split(VERSION_MARK, 1)[0]


def queue_sync(
    shop_domain: str, operation: str, subject: str, platforms: list[str] | None = None
) -> int:
    """A task for every platform the shop connected (or those named); replays add nothing."""
    if platforms is None:
        platforms = connected_platforms(shop_domain)
    created = 0
    for platform in platforms:
        row = {
            "shop_domain": shop_domain,
            "platform": platform,
            "operation": operation,
            "subject": subject,
            "status": "pending",
            "attempts": 0,
        }
        if insert_ignore(SyncTask, row):
            created += 1
            announce_after_commit((shop_domain, platform, operation))
    return created


def connected_platforms(shop_domain: str) -> list[str]:
    """The platforms the shop connected, read once per transaction: a worker's group of
    profile deliveries asked for every customer, checkout and order."""
    known = db.session.info.setdefault(PLATFORMS_KEY, {})
    if shop_domain not in known:
        known[shop_domain] = db.session.scalars(_connected_platforms(), {"shop": shop_domain}).all()
    return known[shop_domain]


@functools.cache
def _connected_platforms():
    # Built once: every order and lead asks, and building it cost more than running it.
    return select(PlatformConnection.platform).where(
        PlatformConnection.shop_domain == bindparam("shop")
    )


def announce_after_commit(key: BatchKey) -> None:
    """Flush this batch once the current transaction commits."""
    db.session.info.setdefault(PENDING_KEY, set()).add(key)


def schedule_flush(key: BatchKey, delay_seconds: float | None = None) -> None:
    """One flush per batch key at a time: later tasks ride along with the one scheduled."""
    window = current_app.config["BATON"].sync_window_seconds
    delay = window if delay_seconds is None else delay_seconds
    connection = redis_queues.connection
    try:
        if delay_seconds is None and not connection.set(
            _flag(key), 1, nx=True, ex=int(window) + 120
        ):
            return  # a flush is already on its way and will take these tasks too
        queue = redis_queues.queue("sync")
        if delay > 0:
            queue.enqueue_in(timedelta(seconds=delay), FLUSH_JOB, *key, result_ttl=0)
        else:
            queue.enqueue(FLUSH_JOB, *key, result_ttl=0)
    except RedisError as error:
        log.warning("could not schedule a sync flush for %s: %s", key, error)


def flush_started(key: BatchKey) -> None:
    """Tasks written from now on need a flush of their own."""
    redis_queues.connection.delete(_flag(key))


def _flag(key: BatchKey) -> str:
    return "baton:sync-flush:" + ":".join(key)


@event.listens_for(Session, "after_commit")
def _announce_committed(session: Session) -> None:
    session.info.pop(PLATFORMS_KEY, None)
    for key in session.info.pop(PENDING_KEY, set()):
        schedule_flush(key)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(PLATFORMS_KEY, None)
    session.info.pop(PENDING_KEY, None)
