"""Asking the worker to refill code pools, without ever blocking a shopper on it."""

import logging

from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.results import Result

from app.extensions import db, redis_queues
from app.models import Campaign, Prize
from app.popups.shopify_codes import LOW_WATER, available_beside

REFILL_JOB = "workers.codes.refill_pool"
CREATE_NOW_JOB = "workers.codes.create_code_now"
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


def wait_for_fresh_code(prize_id: int, timeout_seconds: int) -> bool:
    """Ask the worker for one code now and wait for it; True once Shopify confirmed one.

    The caller must hold no database locks while it waits: the worker writes the code.
    """
    connection = redis_queues.blocking_connection()
    try:
        job = Queue("sync", connection=connection).enqueue(
            CREATE_NOW_JOB, prize_id, at_front=True, result_ttl=60, failure_ttl=3600
        )
        result = job.latest_result(timeout=timeout_seconds)
    except RedisError as error:
        log.warning("could not ask for a code for prize %s: %s", prize_id, error)
        return False
    finally:
        connection.close()
    return (
        result is not None and result.type == Result.Type.SUCCESSFUL and bool(result.return_value)
    )


def refill_if_low(shop_domain: str, prize_id: int, code: str | None) -> None:
    """After a play: ask for more codes once the won code's lot falls below its low-water mark."""
    # Ids, not the Prize: after the play's commit, loading it again would cost every play.
    if code is None:
        return
    if available_beside(shop_domain, code) < LOW_WATER:
        request_refill(db.session.get(Prize, prize_id))


def request_refills(campaign: Campaign) -> None:
    """Every prize of a live campaign gets its discount and a full pool."""
    if campaign.status == "live":
        for prize in campaign.prizes:
            request_refill(prize)
