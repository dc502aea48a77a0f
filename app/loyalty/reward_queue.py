"""Asking the worker to make a reward's code, without a shopper ever waiting on Shopify."""

import logging

from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import DuplicateJobError

from app.extensions import redis_queues

ISSUE_JOB = "workers.loyalty.issue_reward"
log = logging.getLogger(__name__)


def request_reward_code(reward_id: int) -> None:
    """Queue the reward's code; if Redis is down, the sweeper queues it later."""
    try:
        redis_queues.queue("sync").enqueue(
            ISSUE_JOB,
            reward_id,
            job_id=f"reward-{reward_id}",
            unique=True,
            result_ttl=0,
            retry=Retry(max=5, interval=[5, 30, 120, 600, 1800]),
        )
    except DuplicateJobError:
        pass  # already waiting its turn
    except RedisError as error:
        log.warning("could not queue reward %s: %s", reward_id, error)
