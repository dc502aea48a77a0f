"""Worker entry point: RQ workers for each workload group, the dispatcher and the sweeper.

The process supervises RQ workers for each group in extensions.WORKER_GROUPS (child processes,
restarted if they die: BATON_WORKER_PROCESSES for webhooks and sync, one for the bulk queue)
and runs the dispatcher and sweeper threads itself.
"""

import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Callable

from flask import current_app
from prometheus_client import REGISTRY, CollectorRegistry, multiprocess, start_http_server
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker

from app import create_app, logs
from app.extensions import QUEUE_NAMES, SWEEP_STEPS, WORKER_GROUPS, db, redis_queues
from app.failures import describe
from app.metrics import in_multiprocess_mode
from app.profiles.imports import schedule_reconciliations
from workers.codes import queue_withdrawals
from workers.dispatcher import dispatch_announced
from workers.loyalty import queue_pending_rewards, queue_tier_tags, sweep_loyalty
from workers.sweeper import (
    prune_old_deliveries,
    refresh_time_based_segments,
    schedule_suppression_polls,
    sweep_deliveries,
    sweep_sync_tasks,
)

log = logging.getLogger("baton.worker")
SHUTDOWN_GRACE_SECONDS = 10
# RQ's scheduler process (retries with backoff, enqueue_in) exits when Redis goes away, and
# only the worker's maintenance starts it again: every minute instead of RQ's ten.
MAINTENANCE_SECONDS = 60


class BatonWorker(SimpleWorker):
    """Runs jobs in-process: forking a work horse per job capped us near 17 jobs a second.

    A crash still loses nothing: claims and the sweeper bring unfinished work back.
    """

    # Back to work within seconds of Redis returning; RQ's own backoff grows to a minute.
    max_connection_wait_time = 4.0

    def perform_job(self, job, queue):
        try:
            with logs.bound(job=job.func_name, job_id=job.id, **job_subject(job.args)):
                return super().perform_job(job, queue)
        finally:
            # Each job starts with a clean session, as a web request does.
            db.session.remove()


def job_subject(args: tuple) -> dict:
    """What a job is about, for its log lines: jobs take ids (and a shop's domain), no more."""
    subject = {}
    if args and isinstance(args[0], str) and args[0].endswith(".myshopify.com"):
        subject["shop"] = args[0]
    ids = [arg for arg in args if isinstance(arg, int) and not isinstance(arg, bool)]
    if args and isinstance(args[0], list):
        ids = [arg for arg in args[0] if isinstance(arg, int)]
    if ids:
        subject["ids"] = ids[:20]
    return subject


def run_forever(app, stop: threading.Event, step: Callable[[], None], pause: float) -> None:
    """Call step() in an app context until stopped; a failed step is logged and retried."""
    while not stop.is_set():
        with app.app_context():
            try:
                step()
            except RedisError as error:
                log.warning("waiting for Redis: %s", error)
                stop.wait(pause)
            except Exception as error:
                # The loop must outlive one bad step; the next one tries again. The frames
                # only: a database error's message repeats its parameters (personal data).
                frames = "".join(traceback.format_tb(error.__traceback__))
                log.error("background step failed: %s\n%s", describe(error), frames)
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
        prune_old_deliveries()
        queue_withdrawals()
        sweep_sync_tasks()
        schedule_suppression_polls()
        refresh_time_based_segments()
        schedule_reconciliations()
        queue_pending_rewards()
        queue_tier_tags()
        sweep_loyalty()
        for step in current_app.extensions.get(SWEEP_STEPS, ()):
            step()


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


def work(queue_names: tuple[str, ...], burst: bool) -> None:
    """Run one RQ worker on these queues until stopped (or, in burst mode, until empty)."""
    # A spawned child starts with Python's logging defaults: set them again.
    logs.configure(os.environ.get("LOG_LEVEL", "INFO"))
    app = create_app()
    with app.app_context():
        connection = redis_queues.blocking_connection()
        worker = BatonWorker(
            [Queue(name, connection=connection) for name in queue_names],
            connection=connection,
            name=f"baton-{'-'.join(queue_names)}-{socket.gethostname()}-{os.getpid()}",
            maintenance_interval=MAINTENANCE_SECONDS,
        )
        worker.work(burst=burst, with_scheduler=not burst, logging_level="WARNING")


def supervise(stop: threading.Event, replicas: dict[str, int]) -> None:
    """Keep `replicas[group]` children per worker group alive until stopped; then stop them."""
    context = multiprocessing.get_context("spawn")
    children: dict[tuple[str, int], multiprocessing.Process] = {}
    while not stop.is_set():
        for group, queue_names in WORKER_GROUPS.items():
            for number in range(replicas.get(group, 1)):
                child = children.get((group, number))
                if child is not None and child.is_alive():
                    continue
                if child is not None:
                    log.warning("%s worker exited with %s; restarting", group, child.exitcode)
                children[group, number] = context.Process(
                    target=work, args=(queue_names, False), name=f"rq-{group}-{number}"
                )
                children[group, number].start()
        stop.wait(2.0)
    # RQ finishes the job in hand on SIGTERM; one that outstays the grace period is killed,
    # and its claim or import run is picked up again after a restart.
    for child in children.values():
        child.terminate()
    for child in children.values():
        child.join(timeout=SHUTDOWN_GRACE_SECONDS)
        if child.is_alive():
            child.kill()


def main(argv: list[str] | None = None) -> None:
    """Start the workers; --burst drains what is queued and exits (benchmarks, catch-up)."""
    logs.configure(os.environ.get("LOG_LEVEL", "INFO"))
    burst = "--burst" in (sys.argv[1:] if argv is None else argv)
    if burst:
        app = create_app()
        with app.app_context():
            while dispatch_step(wait_seconds=0.1):
                pass
        work(QUEUE_NAMES, burst=True)
        return
    app = create_app()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    start_background(app, stop)
    serve_metrics()
    supervise(stop, {"fast": app.config["BATON"].fast_worker_processes})


def serve_metrics() -> None:
    """Serve the worker's counters on BATON_WORKER_METRICS_PORT, on a private address only.

    The web's /metrics has the database's gauges; this has what only the worker counts
    (deliveries finished, sync outcomes, vendor 429s, Shopify throttle waits).
    """
    port = os.environ.get("BATON_WORKER_METRICS_PORT")
    if not port:
        return
    host = os.environ.get("BATON_WORKER_METRICS_HOST", "127.0.0.1")
    registry = REGISTRY
    if in_multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    start_http_server(int(port), addr=host, registry=registry)
    log.info("worker metrics on http://%s:%s/metrics", host, port)


if __name__ == "__main__":
    main()
