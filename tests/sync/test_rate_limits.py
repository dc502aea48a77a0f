"""Our side of the vendors' limits: Klaviyo's per-operation windows and Mailchimp's ten
connections, counted in the real Redis so every worker shares them."""

import json
import time

import pytest

from app.demo.vendor_http import SPECS_DIR, window
from app.extensions import redis_queues
from app.sync.platforms.rate_limits import (
    KLAVIYO_LIMITS,
    MAILCHIMP_CONNECTIONS,
    KlaviyoRateLimiter,
    MailchimpConnectionLimiter,
    RateLimited,
)
from tests.shopify_signing import bearer, session_token


class Clock:
    """A sleep that records what it was asked for, and lets time stand still."""

    def __init__(self):
        self.slept: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_the_klaviyo_limits_are_the_ones_the_spec_publishes():
    published = {}
    for spec_file in (SPECS_DIR / "klaviyo").glob("*.json"):
        for methods in json.loads(spec_file.read_text())["paths"].values():
            for operation in methods.values():
                limits = operation.get("x-klaviyo-ratelimit")
                if limits:
                    burst, steady = window(limits["burst"]), window(limits["steady"])
                    assert (burst[1], steady[1]) == (1.0, 60.0)
                    published[operation["operationId"]] = (burst[0], steady[0])
    assert KLAVIYO_LIMITS == published


def test_a_burst_past_the_per_second_limit_waits_for_the_window(app):
    limiter = KlaviyoRateLimiter(redis_queues.connection, "pk_burst")
    burst, _ = KLAVIYO_LIMITS["bulk_create_events"]
    started = time.monotonic()
    for _ in range(burst + 1):
        limiter.acquire("bulk_create_events")
    # The eleventh call had to wait for the first to leave the one-second window.
    assert time.monotonic() - started >= 0.9


def test_the_steady_limit_hands_back_a_retry_after_instead_of_sleeping_a_minute(app):
    clock = Clock()
    limiter = KlaviyoRateLimiter(redis_queues.connection, "pk_steady", sleep=clock)
    burst, steady = KLAVIYO_LIMITS["get_accounts"]
    key = f"baton:ratelimit:klaviyo:{limiter.account}:get_accounts"
    now = time.time()
    # A minute's allowance already spent, two seconds apart.
    redis_queues.connection.zadd(key, {f"call{i}": now - 59 + i * 2 for i in range(steady)})
    with pytest.raises(RateLimited) as refused:
        limiter.acquire("get_accounts")
    assert 0 < refused.value.retry_after <= 2
    redis_queues.connection.zadd(key, {f"more{i}": now - 0.5 for i in range(steady)})
    with pytest.raises(RateLimited) as refused:
        limiter.acquire("get_accounts")
    assert refused.value.retry_after > 50


def test_accounts_and_operations_are_limited_separately(app):
    clock = Clock()
    first = KlaviyoRateLimiter(redis_queues.connection, "pk_one", sleep=clock)
    second = KlaviyoRateLimiter(redis_queues.connection, "pk_two", sleep=clock)
    first.acquire("get_accounts")
    second.acquire("get_accounts")
    first.acquire("get_profiles")
    assert clock.slept == []


def test_no_api_key_appears_in_redis(app):
    KlaviyoRateLimiter(redis_queues.connection, "pk_secret_value").acquire("get_lists")
    assert not any(b"pk_secret_value" in key for key in redis_queues.connection.keys("*"))


def test_mailchimp_gets_ten_connections_per_account_and_the_eleventh_is_told_to_wait(app):
    clock = Clock()
    limiter = MailchimpConnectionLimiter(redis_queues.connection, "key-us1", sleep=clock)
    other = MailchimpConnectionLimiter(redis_queues.connection, "other-us1", sleep=clock)
    slots = [limiter.slot() for _ in range(MAILCHIMP_CONNECTIONS)]
    for slot in slots:
        slot.__enter__()
    with pytest.raises(RateLimited):
        with limiter.slot():
            pass
    with other.slot():  # another account is not held up
        pass
    slots[0].__exit__(None, None, None)
    with limiter.slot():
        pass
    for slot in slots[1:]:
        slot.__exit__(None, None, None)
    assert redis_queues.connection.zcard(limiter.key) == 0


def test_checking_a_klaviyo_key_twice_in_a_second_waits_instead_of_being_throttled(
    client,
    platforms,
    klaviyo,
    installed_shop,
):
    # get_accounts allows one call a second: without our limiter the second check is a 429.
    installed_shop()
    headers = bearer(session_token())
    body = {"api_key": "pk_test", "list_id": "list1"}
    for _ in range(3):
        answer = client.put("/admin/api/connections/klaviyo", json=body, headers=headers)
        assert answer.status_code == 200, answer.get_json()
    assert [path for _, path in klaviyo.requests].count("/api/accounts") == 3
