"""Staying inside the vendors' limits, shared by every worker through Redis.

Klaviyo limits each operation per account: a burst per second and a steady rate per minute,
published as x-klaviyo-ratelimit in its OpenAPI description (copied below; a test keeps the
copy equal to the spec). Mailchimp allows ten simultaneous connections per account.

Waiting a moment for a slot is cheaper than a 429; a longer wait is handed back to the
caller as a Retry-After, so the task is rescheduled instead of holding a worker.
"""

import hashlib
import time
import uuid
from contextlib import contextmanager

from redis import Redis

# operationId: (burst per second, steady per minute), from x-klaviyo-ratelimit.
KLAVIYO_LIMITS = {
    "bulk_create_events": (10, 150),
    "bulk_import_profiles": (10, 150),
    "bulk_subscribe_profiles": (75, 750),
    "bulk_suppress_profiles": (75, 750),
    "bulk_unsubscribe_profiles": (75, 750),
    "create_event": (350, 3500),
    "create_or_update_profile": (75, 750),
    "get_accounts": (1, 15),
    "get_bulk_import_profiles_job": (10, 150),
    "get_lists": (75, 750),
    "get_profiles": (75, 750),
}
MAILCHIMP_CONNECTIONS = 10
# Longest a caller sleeps for a slot before giving the wait back as a Retry-After.
MAX_INLINE_WAIT_SECONDS = 2.0
# The vendor counts a call when it arrives, a little after we do: wait this much longer.
LATENCY_MARGIN = 0.05
# A connection slot whose holder died is free again after this long.
SLOT_LEASE_SECONDS = 60

# Sliding windows of one second and one minute over a sorted set of call times.
_TAKE_CALL = """
local now, burst, steady = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 60)
local in_minute = redis.call('ZCARD', KEYS[1])
local in_second = redis.call('ZCOUNT', KEYS[1], '(' .. (now - 1), '+inf')
local wait = 0
if in_minute >= steady then
  local oldest = redis.call('ZRANGE', KEYS[1], in_minute - steady, in_minute - steady, 'WITHSCORES')
  wait = math.max(wait, tonumber(oldest[2]) + 60 - now)
end
if in_second >= burst then
  local first = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. (now - 1), '+inf',
    'WITHSCORES', 'LIMIT', in_second - burst, 1)
  wait = math.max(wait, tonumber(first[2]) + 1 - now)
end
if wait > 0 then return tostring(wait + tonumber(ARGV[5])) end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], 61)
return '0'
"""

_TAKE_SLOT = """
local now, limit, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - lease)
if redis.call('ZCARD', KEYS[1]) >= limit then return 0 end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], lease)
return 1
"""


class RateLimited(Exception):
    """No slot within the inline wait; try again after `retry_after` seconds."""

    def __init__(self, retry_after: float):
        super().__init__(f"rate limited for {retry_after:.1f} s")
        self.retry_after = retry_after


def account_id(api_key: str) -> str:
    """An account's name in Redis keys: a digest, so no key is ever stored in Redis."""
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


class KlaviyoRateLimiter:
    """One call slot per operation and account, under both of the spec's windows."""

    def __init__(self, redis: Redis, api_key: str, sleep=time.sleep):
        self.redis, self.account, self.sleep = redis, account_id(api_key), sleep
        self._take = redis.register_script(_TAKE_CALL)

    def acquire(self, operation: str) -> None:
        """Return once a call is allowed; raise RateLimited if that is more than a moment off."""
        burst, steady = KLAVIYO_LIMITS.get(operation, (1, 15))  # unknown: the strictest
        key = f"baton:ratelimit:klaviyo:{self.account}:{operation}"
        waited = 0.0
        while True:
            wait = float(
                self._take([key], [time.time(), burst, steady, uuid.uuid4().hex, LATENCY_MARGIN])
            )
            if wait <= 0:
                return
            if waited + wait > MAX_INLINE_WAIT_SECONDS:
                raise RateLimited(wait)
            self.sleep(wait)
            waited += wait


class MailchimpConnectionLimiter:
    """At most ten calls in flight per Mailchimp account, across every worker."""

    def __init__(self, redis: Redis, api_key: str, sleep=time.sleep):
        self.redis, self.sleep = redis, sleep
        self.key = f"baton:connections:mailchimp:{account_id(api_key)}"
        self._take = redis.register_script(_TAKE_SLOT)

    @contextmanager
    def slot(self):
        token = uuid.uuid4().hex
        waited = 0.0
        while not self._take(
            [self.key], [time.time(), MAILCHIMP_CONNECTIONS, SLOT_LEASE_SECONDS, token]
        ):
            if waited >= MAX_INLINE_WAIT_SECONDS:
                raise RateLimited(1)
            self.sleep(0.05)
            waited += 0.05
        try:
            yield
        finally:
            self.redis.zrem(self.key, token)
