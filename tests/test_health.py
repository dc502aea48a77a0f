"""GET /healthz reports the database, Redis and the worker heartbeat."""

from rq import Worker

from app.extensions import QUEUE_NAMES, redis_queues


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
