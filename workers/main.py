"""Worker entry point: an RQ worker on every queue, the dispatcher and the sweeper."""

import logging
import os
import socket
import sys
import threading
from collections.abc import Callable

from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

from app import create_app
from app.extensions import QUEUE_NAMES, db, redis_queues
from app.profiles.imports import schedule_reconciliations
from workers.dispatcher import dispatch_announced
from workers.sweeper import sweep_deliveries

log = logging.getLogger("baton.worker")


class BatonWorker(SimpleWorker):
    """Runs jobs in-process: forking a work horse per job capped us near 17 jobs a second.

    A crash still loses nothing: claims and the sweeper bring unfinished work back.
    """

    def perform_job(self, job, queue):
        try:
            return super().perform_job(job, queue)
        finally:
            # Each job starts with a clean session, as a web request does.
            db.session.remove()


def run_forever(app, stop: threading.Event, step: Callable[[], None], pause: float) -> None:
    """Call step() in an app context until stopped; a failed step is logged and retried."""
    while not stop.is_set():
        with app.app_context():
            try:
                step()
            except RedisError as error:
                log.warning("waiting for Redis: %s", error)
                stop.wait(pause)
            except Exception:
                # The loop must outlive one bad step; the next one tries again.
                log.exception("background step failed")
                stop.wait(pause)
            finally:
                db.session.remove()


def dispatch_step(wait_seconds: float = 1.0) -> int:
    """Move announced delivery ids into RQ jobs; blocks up to wait_seconds for the first."""
    return dispatch_announced(redis_queues.connection, redis_queues.queue("webhooks"), wait_seconds)


def sweep_once(interval: int) -> None:
    """Sweep if no other worker swept in this interval (a Redis lock that simply expires)."""
    lock = redis_queues.connection.lock("baton:sweeper", timeout=interval)
    if lock.acquire(blocking=False):
        sweep_deliveries(redis_queues.queue("webhooks"))
        schedule_reconciliations()


def start_background(app, stop: threading.Event) -> None:
    """The dispatcher (announced ids into jobs) and the sweeper, each on its own thread."""
    interval = app.config["BATON"].sweep_interval_seconds

    def sweep_step() -> None:
        sweep_once(interval)
        stop.wait(interval)

    for name, step in (("dispatcher", dispatch_step), ("sweeper", sweep_step)):
        threading.Thread(
            target=run_forever, args=(app, stop, step, 2.0), name=name, daemon=True
        ).start()


def main(argv: list[str] | None = None) -> None:
    """Start the worker; --burst drains what is queued and exits (benchmarks, catch-up)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    burst = "--burst" in (sys.argv[1:] if argv is None else argv)
    app = create_app()
    with app.app_context():
        stop = threading.Event()
        if burst:
            while dispatch_step(wait_seconds=0.1):
                pass
        else:
            start_background(app, stop)
        connection = redis_queues.blocking_connection()
        worker = BatonWorker(
            [Queue(name, connection=connection) for name in QUEUE_NAMES],
            connection=connection,
            name=f"baton-{socket.gethostname()}-{os.getpid()}",
        )
        try:
            worker.work(burst=burst, with_scheduler=not burst, logging_level="WARNING")
        finally:
            stop.set()


if __name__ == "__main__":
    main()
