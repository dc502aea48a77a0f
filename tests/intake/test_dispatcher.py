"""The dispatcher turns ids announced one by one during a burst into full jobs."""

import threading
import time

from app.extensions import redis_queues
from app.intake import NEW_DELIVERIES_KEY
from workers.dispatcher import BATCH, dispatch_announced


def announce_one_by_one(ids: range, pause: float) -> threading.Thread:
    """What intake does under a burst: one RPUSH per stored delivery, as each commits."""
    connection = redis_queues.connection

    def announce() -> None:
        for delivery_id in ids:
            connection.rpush(NEW_DELIVERIES_KEY, delivery_id)
            time.sleep(pause)

    thread = threading.Thread(target=announce)
    thread.start()
    return thread


def job_batches() -> list[list[int]]:
    return [job.args[0] for job in redis_queues.queue("webhooks").jobs]


def test_ids_announced_one_by_one_are_gathered_into_one_full_job():
    announcing = announce_one_by_one(range(1, BATCH + 1), pause=0.001)
    # A long gathering allowance: the batch fills well before it, and ends the wait.
    queued = dispatch_announced(redis_queues.connection, redis_queues.queue("webhooks"), 5, 10)
    announcing.join()
    assert queued == BATCH
    assert job_batches() == [list(range(1, BATCH + 1))]


def test_a_lone_announcement_is_queued_alone_once_the_gathering_ends():
    redis_queues.connection.rpush(NEW_DELIVERIES_KEY, 7)
    webhooks = redis_queues.queue("webhooks")
    assert dispatch_announced(redis_queues.connection, webhooks, 1, 0.05) == 1
    assert job_batches() == [[7]]
    assert dispatch_announced(redis_queues.connection, webhooks, 0.05, 0.05) == 0
