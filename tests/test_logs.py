"""Logs: JSON lines with the request id or the job, and never a secret or a shopper's details.

A play, a sync to both platforms and a webhook run with known values through the real entry
points while everything logged at the configured level (INFO) is kept; then the values are
searched for in it.
"""

import io
import json
import logging

import pytest

from app import logs
from tests import payloads
from tests.factories import play, token_for
from tests.shopify_signing import post_webhook

SHOPPER = "log-search-7f3a@example.com"
SHOPPER_PHONE = "+447700900123"
# The values the fixtures use: the shop's Admin API token and the platforms' keys.
SECRETS = ("shpat_installed", "pk_test", "key-us1")


@pytest.fixture
def logged():
    """Everything logged while the test runs, as the JSON lines web and worker write."""
    stream = io.StringIO()
    handler = logs.json_handler(stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_play_a_sync_and_a_webhook_log_no_secret_and_no_personal_data(
    logged, client, connected, run_worker
):
    token = token_for(client, connected)
    answer = play(client, connected, token, email=SHOPPER, phone=SHOPPER_PHONE, sms_consent=True)
    assert answer.status_code == 200, answer.get_json()
    order = payloads.order(email=SHOPPER, codes=(answer.get_json()["code"],))
    assert post_webhook(client, "orders/create", order).status_code == 200
    run_worker()

    text = logged.getvalue()
    records = lines(logged)
    routes = {(r.get("route"), r.get("status")) for r in records if r["message"] == "request"}
    assert ("/proxy/play", 200) in routes and ("/webhooks", 200) in routes
    jobs = {r["job"] for r in records if "job" in r}
    assert {"workers.deliveries.process_deliveries", "workers.sync.flush_sync"} <= jobs
    for value in (SHOPPER, SHOPPER_PHONE, *SECRETS):
        assert value not in text, value
    assert "eyJ" not in text  # no session token (a JWT) either


def test_each_request_line_carries_its_id_taken_from_the_request_when_present(logged, client):
    given = client.get("/healthz", headers={"X-Request-ID": "lb-4f2a.9"})
    forged = client.get("/healthz", headers={"X-Request-ID": "two words; and more"})
    assert given.headers["X-Request-ID"] == "lb-4f2a.9"
    assert forged.headers["X-Request-ID"] != "two words; and more"
    assert len(forged.headers["X-Request-ID"]) == 32
    requests = [r for r in lines(logged) if r["message"] == "request"]
    assert [r["request_id"] for r in requests] == [
        "lb-4f2a.9",
        forged.headers["X-Request-ID"],
    ]
    for record in requests:
        assert record["method"] == "GET" and record["route"] == "/healthz"
        assert record["level"] == "INFO" and record["logger"] == "baton.request"
        assert isinstance(record["duration_ms"], float) and "time" in record


def test_a_secret_in_a_path_is_logged_as_its_route(logged, client):
    client.post("/webhooks/mailchimp/7/s3cr3t-value-in-path", data={"type": "unsubscribe"})
    [record] = [r for r in lines(logged) if r["message"] == "request"]
    assert "s3cr3t-value-in-path" not in logged.getvalue()
    assert record["route"].startswith("/webhooks/mailchimp/")
