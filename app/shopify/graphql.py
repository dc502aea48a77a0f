"""Admin GraphQL client: pinned API version, cost-based throttling, retries with backoff."""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 15
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0
# A query's cost is known only after it runs; this guess gates the first request.
DEFAULT_ESTIMATED_COST = 50


class ShopifyTransientError(Exception):
    """Shopify stayed throttled or unavailable through every attempt; retry the job later."""


class ShopifyAmbiguousError(ShopifyTransientError):
    """A mutation's request may have reached Shopify (a read timeout, a 5xx): it is not sent
    again blindly; the caller looks for what it made before making it again."""


class ShopifyAuthError(Exception):
    """Shopify refused the access token (401/403): reinstall or refresh needed."""


class ShopifyGraphQLError(Exception):
    """The query itself was refused; retrying the same query cannot succeed."""

    def __init__(self, errors):
        super().__init__(_describe(errors))
        self.errors = errors


@dataclass
class CostBucket:
    """The shop's leaky-bucket state as Shopify last reported it, shared through Redis."""

    redis: Redis | None
    shop_domain: str

    @property
    def key(self) -> str:
        return f"baton:gql-cost:{self.shop_domain}"

    def wait_seconds(self, cost: int) -> float:
        """How long to wait before a query of this cost fits in the bucket."""
        state = self._load()
        if not state:
            return 0.0
        elapsed = max(0.0, time.time() - state["at"])
        available = min(state["maximum"], state["available"] + elapsed * state["rate"])
        return 0.0 if cost <= available else (cost - available) / state["rate"]

    def record(self, throttle_status: dict) -> None:
        """Remember extensions.cost.throttleStatus from the latest answer."""
        if self.redis is None:
            return
        mapping = {
            "available": throttle_status["currentlyAvailable"],
            "maximum": throttle_status["maximumAvailable"],
            "rate": throttle_status["restoreRate"],
            "at": time.time(),
        }
        try:
            self.redis.hset(self.key, mapping=mapping)
            self.redis.expire(self.key, 3600)
        except RedisError:
            log.debug("could not share GraphQL cost state for %s", self.shop_domain)

    def _load(self) -> dict | None:
        if self.redis is None:
            return None
        try:
            raw = self.redis.hgetall(self.key)
        except RedisError:
            return None  # fail open: Shopify's THROTTLED answer still slows us down
        if not raw:
            return None
        state = {key.decode(): float(value) for key, value in raw.items()}
        return state if state.get("rate", 0) > 0 else None


class AdminGraphQL:
    """Runs Admin API GraphQL queries for one shop."""

    def __init__(
        self,
        shop_domain: str,
        access_token: str,
        api_version: str,
        *,
        bucket: CostBucket | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 5,
        base_url: str = "",
        deadline_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url = f"{base_url or 'https://' + shop_domain}/admin/api/{api_version}/graphql.json"
        self.headers = {"X-Shopify-Access-Token": access_token, "Content-Type": "application/json"}
        self.bucket = bucket or CostBucket(None, shop_domain)
        self.session = session or requests.Session()
        self.sleep = sleep
        self.max_attempts = max_attempts
        # A web request must answer before gunicorn's 30 s timeout kills it mid-write.
        self.deadline_seconds = deadline_seconds
        self.clock = clock

    def execute(
        self,
        query: str,
        variables: dict | None = None,
        estimated_cost: int = DEFAULT_ESTIMATED_COST,
    ) -> dict:
        """Return the query's data, waiting out throttling and retrying transient failures.

        A mutation is sent again only when Shopify cannot have run it (throttled, 429, the
        connection never made); after a read timeout or a 5xx it raises ShopifyAmbiguousError.
        """
        mutation = query.lstrip().startswith("mutation")
        ends = None if self.deadline_seconds is None else self.clock() + self.deadline_seconds
        last_problem = "no attempt made"
        for attempt in range(self.max_attempts):
            self.sleep(self._within(ends, self.bucket.wait_seconds(estimated_cost)))
            outcome = self._attempt(query, variables, mutation, self._within(ends, TIMEOUT_SECONDS))
            if isinstance(outcome, dict):
                return outcome
            last_problem, delay = outcome
            log.info("GraphQL attempt %d for %s: %s", attempt + 1, self.url, last_problem)
            pause = delay if delay is not None else _backoff(attempt)
            if ends is not None and self.clock() + pause >= ends:
                raise ShopifyTransientError(f"out of time waiting for Shopify: {last_problem}")
            self.sleep(pause)
        raise ShopifyTransientError(f"gave up after {self.max_attempts} attempts: {last_problem}")

    def _within(self, ends: float | None, seconds: float) -> float:
        return seconds if ends is None else max(0.0, min(seconds, ends - self.clock()))

    def _attempt(
        self, query: str, variables: dict | None, mutation: bool, timeout: float
    ) -> dict | tuple[str, float | None]:
        """One request: the data, or (why it must be retried, how long to wait or None)."""
        try:
            response = self.session.post(
                self.url,
                json={"query": query, "variables": variables or {}},
                headers=self.headers,
                timeout=max(timeout, 0.1),
            )
        except requests.ConnectTimeout as error:
            return f"network: {error}", None  # never connected: nothing reached Shopify
        except requests.Timeout as error:
            if mutation:
                raise ShopifyAmbiguousError(f"no answer in time: {error}") from error
            return f"network: {error}", None
        except requests.ConnectionError as error:
            return f"network: {error}", None
        return self._answer(response, mutation)

    def _answer(
        self, response: requests.Response, mutation: bool
    ) -> dict | tuple[str, float | None]:
        status = response.status_code
        if status == 429:
            return "HTTP 429", _retry_after(response)
        if status >= 500:
            if mutation:
                raise ShopifyAmbiguousError(f"HTTP {status} to a mutation")
            return f"HTTP {status}", None
        if status == 401:
            raise ShopifyAuthError("Shopify refused the access token (HTTP 401)")
        if status in (402, 403, 423):
            # Shopify's documented meanings: frozen, marked fraudulent, not available.
            raise ShopifyAuthError(f"Shopify refused the shop (HTTP {status})")
        if status != 200:
            raise ShopifyGraphQLError(_json_or_text(response))
        return self._read(response.json())

    def _read(self, body: dict) -> dict | tuple[str, float]:
        cost = (body.get("extensions") or {}).get("cost") or {}
        if cost.get("throttleStatus"):
            self.bucket.record(cost["throttleStatus"])
        errors = body.get("errors") or []
        if any((error.get("extensions") or {}).get("code") == "THROTTLED" for error in errors):
            return "THROTTLED", _refill_seconds(cost)
        if errors:
            # Shopify answers 200 with partial data when a field is refused (a missing scope,
            # protected customer data not approved): the nulls are not an answer to act on.
            raise ShopifyGraphQLError(errors)
        return body.get("data") or {}


def _refill_seconds(cost: dict) -> float:
    # Wait exactly until the bucket holds what the query asked for, plus a little slack.
    status = cost.get("throttleStatus") or {}
    rate = float(status.get("restoreRate") or 50)
    needed = float(cost.get("requestedQueryCost") or DEFAULT_ESTIMATED_COST)
    deficit = needed - float(status.get("currentlyAvailable") or 0)
    return max(deficit, 0.0) / rate + 0.1


def _retry_after(response: requests.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _backoff(attempt: int) -> float:
    # Jitter keeps many workers from retrying in lockstep.
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2**attempt)
    return random.uniform(ceiling / 2, ceiling)


def _json_or_text(response: requests.Response):
    try:
        return response.json().get("errors") or response.text
    except ValueError:
        return response.text[:500]


def _describe(errors) -> str:
    if isinstance(errors, list):
        return "; ".join(str(error.get("message", error)) for error in errors)
    return str(errors)
