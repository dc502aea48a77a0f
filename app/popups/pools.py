"""Asking the worker to refill code pools, without ever blocking a shopper on it."""

import logging

from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import DuplicateJobError

from app.extensions import redis_queues
from app.models import Campaign, Prize
from app.popups.shopify_codes import LOW_WATER, available_codes

REFILL_JOB = "workers.codes.refill_pool"
log = logging.getLogger(__name__)


def request_refill(prize: Prize) -> None:
    """Queue a refill for the prize; one queued refill per prize is enough."""
    if prize.kind == "none":
        return
    try:
        redis_queues.queue("sync").enqueue(
            REFILL_JOB,
            prize.id,
            job_id=f"refill-{prize.id}",
            unique=True,
            # No stored result, so the unique id frees up the moment a refill finishes.
            result_ttl=0,
            retry=Retry(max=5, interval=[10, 30, 120, 600, 1800]),
        )
    except DuplicateJobError:
        pass  # a refill for this prize is already queued
    except RedisError as error:
        # The next play or campaign save asks again; the pool still has codes meanwhile.
        log.warning("could not queue a refill for prize %s: %s", prize.id, error)


def refill_if_low(prize: Prize) -> None:
    """After a play: ask for more codes once the pool falls below its low-water mark."""
    if prize.kind != "none" and available_codes(prize.id) < LOW_WATER:
        request_refill(prize)


def request_refills(campaign: Campaign) -> None:
    """Every prize of a live campaign gets its discount and a full pool."""
    if campaign.status == "live":
        for prize in campaign.prizes:
            request_refill(prize)
