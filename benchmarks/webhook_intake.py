"""Webhook intake under gunicorn against a bare 200 endpoint under the same gunicorn.

Signed orders/create deliveries, each with a new event id, are driven by wrk from a second
process on loopback. Reports throughput, p50/p99, the ratio to the bare endpoint, that every
answered delivery was stored, and how fast one RQ worker drains what was stored.

Then a burst: exactly 10,000 deliveries of 10,000 different orders, sent by 16 keep-alive
connections while the Procfile's worker runs, retried as Shopify retries anything not 2xx.
It must end with 10,000 stored rows and 10,000 processed.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from benchmarks.harness import (
    API_SECRET,
    BARE_APP,
    ROOT,
    SHOP,
    WrkResult,
    app_environment,
    count_by_status,
    drain,
    gunicorn,
    postgres_reachable,
    prepare_database,
    procfile_worker,
    run_wrk,
    scratch_file,
    services,
)
from tests.services import RedisServer

SECONDS = 10
WARMUP_SECONDS = 2
CONNECTIONS = 16
BURST = 10_000
BURST_CATCH_UP_SECONDS = 600


def order_payload(number: int = 0) -> bytes:
    """An orders/create body of realistic size, shaped like Shopify's sample."""
    lines = [
        {
            "id": 866550311766439000 + n,
            "variant_id": 808950810 + n,
            "title": f"Tee {n}",
            "quantity": 1,
            "price": "19.00",
            "sku": f"TEE-{n}",
            "vendor": "Baton",
            "properties": [],
            "discount_allocations": [],
        }
        for n in range(4)
    ]
    order = {
        "id": 820982911946154508 + number,
        "name": f"#{9999 + number}",
        "email": f"jon{number}@example.com",
        # Each order its own cart and checkout, as on a real store: "10,000 distinct orders".
        "cart_token": f"c1-7a3d-{number}",
        "checkout_token": f"bd5a8aa1ecd019dd3520ff791ee3a{number:06d}",
        "currency": "USD",
        "total_price": "76.00",
        "subtotal_price": "76.00",
        "financial_status": "paid",
        "created_at": "2026-11-22T10:00:00-05:00",
        "discount_codes": [{"code": "BATON-7K2M9QX", "amount": "10.00", "type": "percentage"}],
        "customer": {
            "id": 115310627314723954 + number,
            "email": f"jon{number}@example.com",
            "email_marketing_consent": None,
            "tags": "",
        },
        "line_items": lines,
        "note": None,
        "cancelled_at": None,
    }
    return json.dumps(order).encode()


def wrk_script(body: bytes, run_prefix: str) -> Path:
    """The Lua script with the body file, its signature, the shop and a run prefix filled in."""
    signature = base64.b64encode(hmac.new(API_SECRET.encode(), body, hashlib.sha256).digest())
    body_file = scratch_file(".json", body.decode())
    lua = (ROOT / "benchmarks" / "signed_webhook.lua").read_text()
    lua = lua.replace("BODY_FILE", str(body_file)).replace("SIGNATURE", signature.decode())
    lua = lua.replace("RUN_PREFIX", run_prefix)
    return scratch_file(".lua", lua.replace('"SHOP"', f'"{SHOP}"'))


def wrk_run(base_url: str, body: bytes, seconds: int) -> WrkResult:
    """One wrk run against /webhooks; every event id in it is new."""
    script = wrk_script(body, uuid.uuid4().hex)
    return run_wrk(base_url + "/webhooks", script, seconds, CONNECTIONS)


@dataclass
class Burst:
    """What the senders saw: first answers, retries, and the wall-clock time."""

    accepted_first_time: int = 0
    retries: int = 0
    gave_up: int = 0
    seconds: float = 0.0


def signed_delivery(number: int, run_prefix: str) -> tuple[bytes, dict]:
    """One orders/create delivery, signed, with its own event id."""
    body = order_payload(number)
    signature = base64.b64encode(hmac.new(API_SECRET.encode(), body, hashlib.sha256).digest())
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": "orders/create",
        "X-Shopify-Hmac-Sha256": signature.decode(),
        "X-Shopify-Shop-Domain": SHOP,
        "X-Shopify-API-Version": "2026-10",
        "X-Shopify-Event-Id": f"{run_prefix}-{number}",
    }
    return body, headers


def send_burst(base_url: str, count: int) -> Burst:
    """Send count deliveries from CONNECTIONS threads; anything not 2xx is sent again."""
    numbers = iter(range(count))
    lock = threading.Lock()
    burst = Burst()
    run_prefix = uuid.uuid4().hex

    def sender() -> None:
        connection = http.client.HTTPConnection(urlparse(base_url).netloc, timeout=10)
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                break
            body, headers = signed_delivery(number, run_prefix)
            for attempt in range(10):
                try:
                    connection.request("POST", "/webhooks", body=body, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    ok = 200 <= response.status < 300
                except OSError:
                    connection.close()  # http.client reconnects on the next request
                    ok = False
                with lock:
                    burst.accepted_first_time += ok and attempt == 0
                    burst.retries += not ok
                if ok:
                    break
                time.sleep(0.5 * (attempt + 1))
            else:
                with lock:
                    burst.gave_up += 1
        connection.close()

    threads = [threading.Thread(target=sender) for _ in range(CONNECTIONS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    burst.seconds = time.perf_counter() - started
    return burst


def wait_until_processed(env: dict, expected: int) -> tuple[dict, float]:
    """Poll until expected deliveries are processed (or the bound runs out)."""
    started = time.perf_counter()
    while True:
        statuses = count_by_status(env)
        elapsed = time.perf_counter() - started
        if statuses.get("processed", 0) >= expected or elapsed > BURST_CATCH_UP_SECONDS:
            return statuses, elapsed
        time.sleep(1)


def burst_run(database: str, processes: int) -> None:
    """The 10,000-delivery burst with the Procfile's worker running beside the web."""
    with services(database) as (redis, database_url):
        env = app_environment(database_url, redis.url)
        env["BATON_WORKER_PROCESSES"] = str(processes)
        prepare_database(env)
        with gunicorn("app:create_app()", env) as base_url, procfile_worker(env):
            burst = send_burst(base_url, BURST)
            statuses, catch_up = wait_until_processed(env, BURST)
    stored = sum(statuses.values())
    worker_seconds = burst.seconds + catch_up
    print(
        f"  burst ({database}, {processes} webhook worker process{'es' * (processes > 1)}):"
        f" {BURST} deliveries of {BURST} orders in {burst.seconds:.1f} s"
        f" ({BURST / burst.seconds:.0f}/s from Python senders);"
        f" 2xx first time {burst.accepted_first_time}, resent {burst.retries},"
        f" given up {burst.gave_up}"
    )
    print(
        f"    stored {stored} rows, processed {statuses.get('processed', 0)}"
        f" (statuses {statuses}); the worker finished {catch_up:.1f} s after the last send:"
        f" {worker_seconds:.1f} s from the first send, {worker_seconds / burst.seconds:.1f}x"
        f" the time intake took ({BURST / worker_seconds:.0f} orders/s processed)"
    )


def intake_run(database: str, body: bytes, baseline: WrkResult) -> None:
    """Measure intake on one database and print its figures beside the baseline."""
    with services(database) as (redis, database_url):
        env = app_environment(database_url, redis.url)
        prepare_database(env)
        with gunicorn("app:create_app()", env) as base_url:
            wrk_run(base_url, body, WARMUP_SECONDS)
            before = sum(count_by_status(env).values())
            result = wrk_run(base_url, body, SECONDS)
        stored = sum(count_by_status(env).values())
        drain_seconds = drain(env)
        after = count_by_status(env)
    answered = result.requests - result.non_2xx - result.socket_errors
    print(
        f"  intake ({database}): {result.per_second:7.0f} req/s  p50 {result.p50_ms:6.1f} ms"
        f"  p99 {result.p99_ms:6.1f} ms  non-2xx {result.non_2xx}"
        f"  socket errors {result.socket_errors}"
    )
    print(
        f"    ratio to bare endpoint: {result.per_second / baseline.per_second:.2f}x throughput,"
        f" p99 {result.p99_ms / max(baseline.p99_ms, 0.001):.1f}x"
    )
    print(
        f"    stored {stored - before} rows for {answered} answered deliveries in the run;"
        f" still waiting after one burst worker: {after.get('received', 0)}"
    )
    print(
        f"    one burst worker processed all {stored} (the same order, re-sent: replays)"
        f" in {drain_seconds:.1f} s"
        f" ({stored / drain_seconds:.0f}/s; statuses {after})"
    )


def main() -> None:
    """Baseline first, then intake on SQLite and, when reachable, PostgreSQL."""
    print(
        f"webhook_intake: wrk, {CONNECTIONS} connections, {SECONDS} s per run, "
        f"gunicorn.conf.py as in the Procfile"
    )
    body = order_payload()
    redis = RedisServer()
    redis.start()
    try:
        env = app_environment("sqlite://", redis.url)
        with gunicorn(BARE_APP, env) as base_url:
            wrk_run(base_url, body, WARMUP_SECONDS)
            baseline = wrk_run(base_url, body, SECONDS)
    finally:
        redis.stop()
    print(
        f"  bare Flask 200:    {baseline.per_second:7.0f} req/s  p50 {baseline.p50_ms:6.1f} ms"
        f"  p99 {baseline.p99_ms:6.1f} ms"
    )
    databases = ["sqlite"] + (["postgres"] if postgres_reachable() else [])
    for database in databases:
        intake_run(database, body, baseline)
    # The burst runs on the production database only: processing 10,000 orders takes minutes.
    # One webhook worker process, then as many as the host has cores (the Procfile's default).
    for processes in sorted({1, os.cpu_count() or 1}):
        burst_run(databases[-1], processes)


if __name__ == "__main__":
    main()
