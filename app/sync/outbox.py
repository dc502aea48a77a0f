"""The sync outbox: a task row per platform and piece of work, announced to RQ after commit.

Rows first, jobs second: a task written in a transaction that rolls back is never announced,
and a task whose announcement is lost (Redis down) is found again by the worker's sweeper.
"""

import logging
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db, redis_queues
from app.models import PlatformConnection, SyncTask
from app.upserts import insert_ignore

SYNC_JOB = "workers.sync.run_sync_task"
PENDING_KEY = "baton_sync_tasks"
log = logging.getLogger(__name__)


def queue_sync(
    shop_domain: str, operation: str, subject: str, platforms: list[str] | None = None
) -> list[int]:
    """A task for every platform the shop connected (or those named); replays add nothing."""
    if platforms is None:
        platforms = db.session.scalars(
            select(PlatformConnection.platform).where(PlatformConnection.shop_domain == shop_domain)
        ).all()
    created = []
    for platform in platforms:
        key = {
            "shop_domain": shop_domain,
            "platform": platform,
            "operation": operation,
            "subject": subject,
        }
        if insert_ignore(SyncTask, key | {"status": "pending", "attempts": 0}):
            created.append(
                db.session.scalar(
                    select(SyncTask.id).filter_by(**key)  # the row this call inserted
                )
            )
    db.session.info.setdefault(PENDING_KEY, []).extend(created)
    return created


def announce(task_ids: list[int], delay_seconds: float = 0) -> None:
    """Put tasks on the sync queue; a lost announcement is re-made by the sweeper."""
    queue = redis_queues.queue("sync")
    for task_id in task_ids:
        try:
            if delay_seconds:
                queue.enqueue_in(timedelta(seconds=delay_seconds), SYNC_JOB, task_id)
            else:
                queue.enqueue(SYNC_JOB, task_id, result_ttl=0)
        except RedisError as error:
            log.warning("could not announce sync task %s: %s", task_id, error)


@event.listens_for(Session, "after_commit")
def _announce_committed(session: Session) -> None:
    announce(session.info.pop(PENDING_KEY, []))


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(PENDING_KEY, None)
