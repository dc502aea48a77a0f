"""The Procfile's worker process, run for real: it stays up and processes what intake stored."""

import os
import subprocess
import sys
import time

from rq import Worker
from sqlalchemy import select

from app.config import ROOT
from app.extensions import db, redis_queues
from app.models import DeliveryStatus, WebhookDelivery
from tests.conftest import deployment_environment
from tests.shopify_signing import post_webhook


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_worker_process_outlives_idle_periods_and_processes_deliveries(
    client, installed_shop, database_url, redis_server
):
    installed_shop()
    env = (
        os.environ
        | deployment_environment(database_url, redis_server.url)
        # Nothing here may reach the internet: the sweeper's import reconciliation would.
        | {"BATON_SWEEP_INTERVAL": "1", "SHOPIFY_ADMIN_BASE_URL": "http://127.0.0.1:9"}
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers.main"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        # Idle longer than intake's Redis read timeout (2 s): the worker must still be there.
        time.sleep(3)
        assert worker.poll() is None, worker.stderr.read().decode()[-2000:]
        post_webhook(client, "app/scopes_update", {"current": ["read_orders"]})

        def processed() -> bool:
            db.session.rollback()
            status = db.session.scalar(select(WebhookDelivery.status))
            return status == DeliveryStatus.PROCESSED

        ok = wait_for(processed, seconds=15)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert ok, worker.stderr.read().decode()[-3000:]


def test_webhooks_and_sync_run_in_as_many_processes_as_configured(
    client, installed_shop, database_url, redis_server, tmp_path
):
    installed_shop()
    env = (
        os.environ
        | deployment_environment(database_url, redis_server.url)
        | {"BATON_WORKER_PROCESSES": "2", "SHOPIFY_ADMIN_BASE_URL": "http://127.0.0.1:9"}
    )
    log = (tmp_path / "worker.log").open("w+b")
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers.main"], cwd=ROOT, env=env, stdout=log, stderr=log
    )

    def registered() -> list[str]:
        # RQ's own registry: each RQ worker names its queues in its name.
        return sorted(
            "bulk" if "default" in w.name else "fast" for w in Worker.all(redis_queues.connection)
        )

    try:
        ok = wait_for(lambda: registered() == ["bulk", "fast", "fast"], seconds=30)
        for number in range(6):
            post_webhook(
                client, "app/scopes_update", {"current": ["read_orders"]}, event_id=f"e-{number}"
            )

        def all_processed() -> bool:
            db.session.rollback()
            statuses = db.session.scalars(select(WebhookDelivery.status)).all()
            return len(statuses) == 6 and set(statuses) == {DeliveryStatus.PROCESSED}

        processed = ok and wait_for(all_processed, seconds=20)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    log.seek(0)
    assert ok, f"{registered()}\n{log.read().decode()[-3000:]}"
    assert processed, log.read().decode()[-3000:]
