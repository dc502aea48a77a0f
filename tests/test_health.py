"""GET /healthz reports the database, Redis and the worker heartbeat."""

from rq import Worker

from app.extensions import QUEUE_NAMES, redis_queues
from tests import payloads
from tests.shopify_signing import post_webhook


def test_without_a_worker_health_is_degraded(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "ok" and body["redis"] == "ok"
    assert body["worker"]["status"] == "no live worker"


def test_with_a_live_worker_health_is_ok(client):
    worker = Worker(list(QUEUE_NAMES), connection=redis_queues.connection, name="health-test")
    worker.register_birth()
    worker.heartbeat()
    try:
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.get_json()["worker"]["count"] == 1
        assert response.get_json()["shopify"] == {"configured": True, "missing": []}
    finally:
        worker.register_death()


def test_redis_down_is_reported_not_raised(client, redis_server):
    redis_server.stop()
    try:
        response = client.get("/healthz")
    finally:
        redis_server.start()
    assert response.status_code == 503
    assert response.get_json()["redis"].startswith("error")


def test_livez_answers_while_redis_and_the_worker_are_away(client, redis_server):
    redis_server.stop()
    try:
        live = client.get("/livez")
        health = client.get("/healthz")
    finally:
        redis_server.start()
    assert live.status_code == 200 and live.get_json() == {"status": "ok"}
    assert health.status_code == 503


def test_healthz_reports_the_webhook_backlog_and_its_age(client, installed_shop):
    installed_shop()
    empty = client.get("/healthz").get_json()["backlog"]
    for n in range(3):
        post_webhook(client, "customers/update", payloads.customer(id=900 + n), event_id=f"e{n}")
    backlog = client.get("/healthz").get_json()["backlog"]
    assert empty == {"waiting": 0, "oldest_seconds": 0.0}
    assert backlog["waiting"] == 3 and 0 <= backlog["oldest_seconds"] < 60
