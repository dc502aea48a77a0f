"""Turn the delivery ids intake announces into batched RQ jobs."""

import logging
import time

from redis import Redis
from rq import Queue, Retry

from app.intake import NEW_DELIVERIES_KEY

log = logging.getLogger(__name__)
PROCESS_JOB = "workers.deliveries.process_deliveries"
BATCH = 100
GATHER_SECONDS = 0.1
GATHER_PAUSE_SECONDS = 0.01
# Transient failures retry for about an hour; the sweeper picks up anything left after that.
JOB_RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])


def enqueue_batch(queue: Queue, delivery_ids: list[int], origin: str) -> None:
    """One RQ job for a batch of deliveries, with an id that names the batch."""
    queue.enqueue(
        PROCESS_JOB,
        delivery_ids,
        retry=JOB_RETRY,
        job_id=f"deliveries-{origin}-{delivery_ids[0]}-{delivery_ids[-1]}-{len(delivery_ids)}",
        description=f"process {len(delivery_ids)} deliveries from {delivery_ids[0]}",
    )


def dispatch_announced(
    redis: Redis, queue: Queue, wait_seconds: float = 1.0, gather_seconds: float = GATHER_SECONDS
) -> int:
    """Wait briefly for announced ids, then queue them in batches; returns how many."""
    first = redis.blpop([NEW_DELIVERIES_KEY], timeout=wait_seconds)
    if first is None:
        return 0
    delivery_ids = [int(first[1])]
    # During a burst ids arrive one by one: taking only those already there made jobs of a
    # few deliveries each, and each job's claim, reads and bookkeeping cost as much as its
    # work. A moment's gathering fills the batch; a lone delivery waits that moment only.
    deadline = time.monotonic() + gather_seconds
    while len(delivery_ids) < BATCH:
        more = redis.lpop(NEW_DELIVERIES_KEY, BATCH - len(delivery_ids)) or []
        delivery_ids += [int(raw) for raw in more]
        if len(delivery_ids) >= BATCH or time.monotonic() >= deadline:
            break
        time.sleep(GATHER_PAUSE_SECONDS)
    # If this process dies here the ids are gone from Redis, but the rows still say
    # received: the sweeper queues them after its grace period.
    enqueue_batch(queue, delivery_ids, origin="intake")
    return len(delivery_ids)
