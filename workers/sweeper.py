"""Find stored deliveries whose job never reached Redis, or was lost, and queue them."""

import logging
from datetime import timedelta

from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import select

from app.deliveries import enqueue_delivery
from app.extensions import db, redis_queues
from app.models import DeliveryStatus, WebhookDelivery
from app.models.types import utcnow

log = logging.getLogger(__name__)
# Young deliveries are still on their way through the normal path; leave them be.
GRACE = timedelta(seconds=30)
BATCH = 500
DEAD_JOB_STATES = {JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED}


def sweep_deliveries(grace: timedelta = GRACE) -> int:
    """Queue every waiting delivery that has no live job; returns how many were queued."""
    waiting = db.session.scalars(
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == DeliveryStatus.RECEIVED,
            WebhookDelivery.received_at < utcnow() - grace,
        )
        .order_by(WebhookDelivery.id)
        .limit(BATCH)
    ).all()
    db.session.rollback()
    queued = sum(1 for delivery_id in waiting if _requeue_if_lost(delivery_id))
    if queued:
        log.info("sweeper queued %d waiting deliveries", queued)
    return queued


def _requeue_if_lost(delivery_id: int) -> bool:
    try:
        job = Job.fetch(f"delivery-{delivery_id}", connection=redis_queues.connection)
    except NoSuchJobError:
        return enqueue_delivery(delivery_id, from_intake=False)
    except RedisError:
        return False
    if job.get_status(refresh=False) not in DEAD_JOB_STATES:
        return False
    # RQ gave up on it (retries spent); the delivery's own attempt cap decides when to stop.
    job.delete()
    return enqueue_delivery(delivery_id, from_intake=False)
