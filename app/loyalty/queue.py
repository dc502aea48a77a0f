"""Asking the worker for loyalty's calls to Shopify (reward codes, tier tags), without a
shopper or a webhook ever waiting on Shopify."""

import logging

from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import DuplicateJobError

from app.extensions import redis_queues

ISSUE_JOB = "workers.loyalty.issue_reward"
TAG_JOB = "workers.loyalty.tag_tier"
log = logging.getLogger(__name__)


def request_reward_code(reward_id: int, bulk: bool = False) -> None:
    """Queue the reward's code; if Redis is down, the sweeper queues it later. A shopper's
    redemption goes on the sync queue; the journeys' gifts (hundreds at a time) on the
    default queue, so they never hold up a lead on its way to the platforms."""
    _queue(ISSUE_JOB, reward_id, f"reward-{reward_id}", "default" if bulk else "sync")


def request_tier_tags(member_id: int) -> None:
    """Queue the member's tier tags; the sweeper asks again while they differ."""
    _queue(TAG_JOB, member_id, f"tier-tags-{member_id}", "default")


def _queue(job: str, row_id: int, job_id: str, queue: str) -> None:
    try:
        redis_queues.queue(queue).enqueue(
            job,
            row_id,
            job_id=job_id,
            unique=True,
            result_ttl=0,
            retry=Retry(max=5, interval=[5, 30, 120, 600, 1800]),
        )
    except DuplicateJobError:
        pass  # already waiting its turn
    except RedisError as error:
        log.warning("could not queue %s: %s", job_id, error)
