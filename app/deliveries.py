"""Webhook intake: record a verified delivery once, then hand it to the worker."""

import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from redis.exceptions import RedisError
from rq import Retry
from rq.exceptions import DuplicateJobError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from app.errors import ApiError
from app.extensions import db, redis_queues
from app.models import DeliveryStatus, Shop, WebhookDelivery
from app.shopify.verify import valid_shop_domain
from app.topics import COMPLIANCE_TOPICS, SUBSCRIBED_TOPICS

log = logging.getLogger(__name__)
PROCESS_JOB = "workers.deliveries.process_delivery"
# Retry transient failures for about an hour; the sweeper picks up anything left after that.
JOB_RETRY = Retry(max=5, interval=[5, 30, 120, 600, 1800])


class RedisBackoff:
    """After Redis fails, intake stops trying it for a moment so it stays fast."""

    SECONDS = 5.0

    def __init__(self) -> None:
        self.until = 0.0

    def active(self) -> bool:
        return time.monotonic() < self.until

    def trip(self) -> None:
        self.until = time.monotonic() + self.SECONDS

    def reset(self) -> None:
        self.until = 0.0


intake_backoff = RedisBackoff()


@dataclass(frozen=True)
class DeliveryHeaders:
    """The X-Shopify-* headers that describe one delivery."""

    topic: str
    shop_domain: str
    event_id: str
    webhook_id: str | None
    api_version: str | None
    triggered_at: datetime | None


@dataclass(frozen=True)
class IntakeResult:
    """What intake did with a delivery."""

    delivery_id: int
    status: str
    duplicate: bool
    error: str | None = None

    @property
    def http_status(self) -> int:
        """200 for anything Shopify should not resend; 400 for a body it must fix."""
        return 400 if self.status == DeliveryStatus.REJECTED else 200


def headers_from(headers, body: bytes) -> DeliveryHeaders:
    """Read the delivery headers (any case: HTTP/2 lowercases them), or refuse with a 400."""
    topic = (headers.get("X-Shopify-Topic") or "").strip().lower()
    shop_domain = valid_shop_domain(headers.get("X-Shopify-Shop-Domain"))
    if not topic:
        raise ApiError(400, "missing_topic", "X-Shopify-Topic header is required")
    if shop_domain is None:
        raise ApiError(400, "bad_shop_domain", "X-Shopify-Shop-Domain must be *.myshopify.com")
    webhook_id = headers.get("X-Shopify-Webhook-Id")
    event_id = headers.get("X-Shopify-Event-Id") or webhook_id
    return DeliveryHeaders(
        topic=topic,
        shop_domain=shop_domain,
        # Without either id, the body itself is the only stable identity a retry keeps.
        event_id=event_id or "sha256:" + hashlib.sha256(body).hexdigest(),
        webhook_id=webhook_id,
        api_version=headers.get("X-Shopify-API-Version"),
        triggered_at=parse_timestamp(headers.get("X-Shopify-Triggered-At")),
    )


def record_delivery(headers: DeliveryHeaders, body: bytes) -> IntakeResult:
    """Store the delivery unless its event was stored before; never raises for bad content."""
    text = body.decode("utf-8", errors="replace")
    status, error = _triage(headers, text)
    values = {
        "shop_domain": headers.shop_domain,
        "topic": headers.topic,
        "event_id": headers.event_id,
        "webhook_id": headers.webhook_id,
        "api_version": headers.api_version,
        "triggered_at": headers.triggered_at,
        "body": text,
        "status": status,
        "error": error,
        "attempts": 0,
        "received_at": datetime.now(UTC),
    }
    delivery_id = db.session.scalar(_insert_once(values))
    if delivery_id is not None:
        return IntakeResult(delivery_id, status, duplicate=False, error=error)
    existing = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.error).where(
            WebhookDelivery.shop_domain == headers.shop_domain,
            WebhookDelivery.topic == headers.topic,
            WebhookDelivery.event_id == headers.event_id,
        )
    ).one()
    return IntakeResult(existing.id, existing.status, duplicate=True, error=existing.error)


def enqueue_delivery(delivery_id: int, from_intake: bool = True) -> bool:
    """Queue processing; False when Redis is unreachable and the sweeper must do it later."""
    if from_intake and intake_backoff.active():
        return False
    try:
        redis_queues.queue("webhooks").enqueue(
            PROCESS_JOB,
            delivery_id,
            job_id=f"delivery-{delivery_id}",
            unique=True,
            retry=JOB_RETRY,
        )
    except DuplicateJobError:
        return True
    except RedisError as error:
        intake_backoff.trip()
        log.warning(
            "delivery %s stored but not queued (%s); the sweeper will queue it", delivery_id, error
        )
        return False
    return True


def parse_timestamp(raw: str | None) -> datetime | None:
    """Parse Shopify's ISO 8601 timestamps, which may carry nanoseconds."""
    if not raw:
        return None
    trimmed = re.sub(r"(\.\d{6})\d+", r"\1", raw.strip()).replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(trimmed)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _triage(headers: DeliveryHeaders, text: str) -> tuple[str, str | None]:
    try:
        payload = json.loads(text)
    except ValueError as error:
        return DeliveryStatus.REJECTED, f"malformed JSON: {error}"
    if not isinstance(payload, dict):
        return DeliveryStatus.REJECTED, "malformed JSON: the body is not an object"
    if headers.topic not in SUBSCRIBED_TOPICS:
        return DeliveryStatus.IGNORED, f"not subscribed to topic {headers.topic}"
    if headers.topic not in COMPLIANCE_TOPICS and not _known_shop(headers.shop_domain):
        return DeliveryStatus.IGNORED, f"unknown shop {headers.shop_domain}"
    return DeliveryStatus.RECEIVED, None


def _known_shop(domain: str) -> bool:
    return db.session.scalar(select(Shop.id).where(Shop.domain == domain)) is not None


def _insert_once(values: dict):
    # INSERT ... ON CONFLICT DO NOTHING: concurrent retries of one event cannot both insert.
    dialect = db.engine.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(WebhookDelivery)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["shop_domain", "topic", "event_id"])
        .returning(WebhookDelivery.id)
    )


def config_secret() -> str:
    """The app secret webhooks are signed with."""
    return current_app.config["BATON"].shopify_api_secret


def requeue_delivery(delivery_id: int) -> str:
    """Give a failed or ignored delivery a fresh set of attempts and queue it."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return f"no delivery {delivery_id}"
    if delivery.status in (DeliveryStatus.REJECTED, DeliveryStatus.PROCESSED):
        return f"delivery {delivery_id} is {delivery.status}; nothing to replay"
    delivery.status, delivery.attempts, delivery.error = DeliveryStatus.RECEIVED, 0, None
    db.session.commit()
    queued = enqueue_delivery(delivery_id)
    return f"delivery {delivery_id} {'queued' if queued else 'stored; the sweeper will queue it'}"
