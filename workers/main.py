"""Worker entry point: one RQ worker on every queue, plus the delivery sweeper."""

import logging
import os
import socket
import threading

from redis.exceptions import RedisError
from rq import Worker

from app import create_app
from app.extensions import QUEUE_NAMES, db, redis_queues
from workers.sweeper import sweep_deliveries

log = logging.getLogger("baton.worker")


def run_sweeper(app, stop: threading.Event) -> None:
    """Sweep on an interval; one sweeper at a time across all workers, via a Redis lock."""
    interval = app.config["BATON"].sweep_interval_seconds
    while not stop.wait(interval):
        with app.app_context():
            try:
                lock = redis_queues.connection.lock("baton:sweeper", timeout=interval)
                if lock.acquire(blocking=False):
                    sweep_deliveries()
            except RedisError as error:
                log.warning("sweeper waiting for Redis: %s", error)
            except Exception:
                # The loop must outlive one bad sweep; the next tick tries again.
                log.exception("sweep failed")
            finally:
                db.session.remove()


def main() -> None:
    """Start the worker; it forks a work horse per job, as RQ does by default."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app()
    with app.app_context():
        engine = db.engine
        # A forked work horse must not reuse the parent's database sockets.
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        stop = threading.Event()
        threading.Thread(target=run_sweeper, args=(app, stop), daemon=True).start()
        worker = Worker(
            list(QUEUE_NAMES),
            connection=redis_queues.connection,
            name=f"baton-{socket.gethostname()}-{os.getpid()}",
        )
        try:
            worker.work(with_scheduler=True)
        finally:
            stop.set()


if __name__ == "__main__":
    main()
