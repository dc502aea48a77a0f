"""Webhook intake: record a verified delivery once, then announce it to the workers.

The delivery row is the outbox. Intake commits it, then pushes its id onto a Redis list that
the worker's dispatcher turns into RQ jobs. If that push fails, nothing is lost: the sweeper
queues every delivery still waiting after a grace period.
"""

import functools
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import Dialect, and_, delete, func, or_, select, update

from app.errors import ApiError
from app.extensions import db, redis_queues, sqlite_writers
from app.metrics import DELIVERIES_RECEIVED
from app.models import DeliveryStatus, WebhookDelivery
from app.shopify.app_toml import SUBSCRIBED_TOPICS
from app.shopify.payloads import parse_timestamp
from app.shopify.verify import valid_shop_domain
from app.upserts import dialect_insert

log = logging.getLogger(__name__)
# The list intake pushes new delivery ids onto; workers.dispatcher drains it.
NEW_DELIVERIES_KEY = "baton:deliveries:new"
DELIVERY_TABLE = WebhookDelivery.__table__
# What intake writes; the rest of a delivery's columns belong to the workers.
STORED_COLUMNS = (
    "shop_domain",
    "topic",
    "event_id",
    "webhook_id",
    "api_version",
    "triggered_at",
    "body",
    "status",
    "error",
    "attempts",
    "received_at",
)


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


def headers_from(headers, body: bytes) -> DeliveryHeaders:
    """Read the delivery headers (any case: HTTP/2 lowercases them), or refuse with a 400."""
    topic = (_stored_header(headers, "X-Shopify-Topic", "topic") or "").strip().lower()
    shop_domain = valid_shop_domain(headers.get("X-Shopify-Shop-Domain"))
    if not topic:
        raise ApiError(400, "missing_topic", "X-Shopify-Topic header is required")
    if shop_domain is None:
        raise ApiError(400, "bad_shop_domain", "X-Shopify-Shop-Domain must be *.myshopify.com")
    webhook_id = _stored_header(headers, "X-Shopify-Webhook-Id", "webhook_id")
    event_id = _stored_header(headers, "X-Shopify-Event-Id", "event_id") or webhook_id
    return DeliveryHeaders(
        topic=topic,
        shop_domain=shop_domain,
        # Without either id, the body itself is the only stable identity a retry keeps.
        event_id=event_id or "sha256:" + hashlib.sha256(body).hexdigest(),
        webhook_id=webhook_id,
        api_version=_stored_header(headers, "X-Shopify-API-Version", "api_version"),
        triggered_at=parse_timestamp(headers.get("X-Shopify-Triggered-At")),
    )


def _stored_header(headers, name: str, column: str) -> str | None:
    # Shopify's values are short; one the column cannot hold is refused, not half-stored.
    value = headers.get(name)
    if value is None:
        return None
    if len(value) > DELIVERY_TABLE.c[column].type.length or "\x00" in value:
        raise ApiError(400, "bad_header", f"{name} is too long or holds a NUL character")
    return value


def record_delivery(headers: DeliveryHeaders, body: bytes) -> IntakeResult:
    """Store the delivery unless its event was stored before.

    A body that is not a JSON object, or whose shop is not the header's, is refused with an
    ApiError and stored nowhere: the HMAC covers the body only, so the body must name the shop.
    """
    text = body.decode("utf-8", errors="replace")
    status, error = _triage(headers, text)
    # A NUL byte made the body malformed JSON; PostgreSQL could not store it as text either.
    text = text.replace("\x00", "\ufffd")
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
    delivery_id = _insert_statement(db.engine.dialect).run(values)
    if delivery_id is not None:
        return IntakeResult(delivery_id, status, duplicate=False, error=error)
    with db.engine.connect() as connection:
        existing = connection.execute(
            select(DELIVERY_TABLE.c.id, DELIVERY_TABLE.c.status, DELIVERY_TABLE.c.error).where(
                DELIVERY_TABLE.c.shop_domain == headers.shop_domain,
                DELIVERY_TABLE.c.topic == headers.topic,
                DELIVERY_TABLE.c.event_id == headers.event_id,
            )
        ).one()
    return IntakeResult(existing.id, existing.status, duplicate=True, error=existing.error)


def accept_delivery(headers: DeliveryHeaders, body: bytes) -> IntakeResult:
    """Record the delivery (committed on return) and announce it when it is new work."""
    result = record_delivery(headers, body)
    if result.status == DeliveryStatus.RECEIVED and not result.duplicate:
        announce_delivery(result.delivery_id)
    stored = "stored" if result.status == DeliveryStatus.RECEIVED else result.status
    DELIVERIES_RECEIVED.labels("duplicate" if result.duplicate else stored).inc()
    return result


def announce_delivery(delivery_id: int) -> bool:
    """Tell the workers a delivery is waiting; False leaves it to the sweeper."""
    if intake_backoff.active():
        return False
    try:
        redis_queues.connection.rpush(NEW_DELIVERIES_KEY, delivery_id)
    except RedisError as error:
        intake_backoff.trip()
        log.warning(
            "delivery %s stored; Redis unavailable (%s), the sweeper will queue it",
            delivery_id,
            error,
        )
        return False
    return True


def announce_deliveries(delivery_ids: list[int]) -> bool:
    """Announce many deliveries in one round trip; False leaves them to the sweeper."""
    if not delivery_ids:
        return True
    try:
        redis_queues.connection.rpush(NEW_DELIVERIES_KEY, *delivery_ids)
    except RedisError as error:
        log.warning("%d deliveries left to the sweeper: %s", len(delivery_ids), error)
        return False
    return True


def waiting_deliveries(
    grace: timedelta | None = None,
    abandoned_after: timedelta | None = None,
    limit: int = 5000,
) -> tuple[list[int], int]:
    """Deliveries whose announcement was lost, after freeing the claims of dead workers.

    Returns their ids, oldest first, and how many claims were freed. The windows default to
    the settings: a delivery younger than BATON_SWEEP_GRACE_SECONDS is still on its way
    through the normal path, and a claim older than BATON_CLAIM_TIMEOUT_SECONDS belongs to a
    worker that died mid-job (SIGKILL, OOM, lost machine).
    """
    settings = current_app.config["BATON"]
    grace = timedelta(seconds=settings.sweep_grace_seconds) if grace is None else grace
    if abandoned_after is None:
        abandoned_after = timedelta(seconds=settings.claim_timeout_seconds)
    now = datetime.now(UTC)
    released = db.session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.status == DeliveryStatus.PROCESSING,
            WebhookDelivery.claimed_at < now - abandoned_after,
        )
        .values(status=DeliveryStatus.RECEIVED, claimed_at=None)
    ).rowcount
    db.session.commit()
    waiting = db.session.scalars(
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.status == DeliveryStatus.RECEIVED,
            or_(
                and_(
                    WebhookDelivery.next_attempt_at.is_(None),
                    WebhookDelivery.received_at < now - grace,
                ),
                WebhookDelivery.next_attempt_at <= now,
            ),
        )
        .order_by(WebhookDelivery.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    return list(waiting), released


def release_awaiting_install(shop_domain: str) -> list[int]:
    """The shop is installed: its kept deliveries wait for a worker again. Returns their ids."""
    table = DELIVERY_TABLE
    return list(
        db.session.scalars(
            update(table)
            .where(
                table.c.shop_domain == shop_domain,
                table.c.status == DeliveryStatus.AWAITING_INSTALL,
            )
            .values(
                status=DeliveryStatus.RECEIVED,
                attempts=0,
                error=None,
                claimed_at=None,
                next_attempt_at=None,
            )
            .returning(table.c.id)
        )
    )


def purge_awaiting_install(older_than: datetime) -> int:
    """Delete kept deliveries of shops that never opened Baton; returns how many."""
    return db.session.execute(
        delete(DELIVERY_TABLE).where(
            DELIVERY_TABLE.c.status == DeliveryStatus.AWAITING_INSTALL,
            DELIVERY_TABLE.c.received_at < older_than,
        )
    ).rowcount


# What a finished delivery can become; its body is a copy of personal data, kept only a while.
FINISHED = (
    DeliveryStatus.PROCESSED,
    DeliveryStatus.IGNORED,
    DeliveryStatus.FAILED,
    DeliveryStatus.REJECTED,
)


def prune_finished(older_than: datetime) -> int:
    """Delete finished deliveries received before `older_than`; returns how many."""
    return db.session.execute(
        delete(DELIVERY_TABLE).where(
            DELIVERY_TABLE.c.status.in_(FINISHED), DELIVERY_TABLE.c.received_at < older_than
        )
    ).rowcount


def requeue_delivery(delivery_id: int) -> str:
    """Give a failed or ignored delivery a fresh set of attempts and announce it."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return f"no delivery {delivery_id}"
    if delivery.status in (DeliveryStatus.REJECTED, DeliveryStatus.PROCESSED):
        return f"delivery {delivery_id} is {delivery.status}; nothing to replay"
    delivery.status, delivery.attempts, delivery.error = DeliveryStatus.RECEIVED, 0, None
    delivery.claimed_at = delivery.next_attempt_at = None
    db.session.commit()
    queued = announce_delivery(delivery_id)
    return f"delivery {delivery_id} {'queued' if queued else 'stored; the sweeper will queue it'}"


def config_secret() -> str:
    """The app secret webhooks are signed with."""
    return current_app.config["BATON"].shopify_api_secret


# Topics whose body names its shop, and where: the signed body must agree with the header.
SHOP_IN_BODY = {
    "customers/data_request": "shop_domain",
    "customers/redact": "shop_domain",
    "shop/redact": "shop_domain",
    "app/uninstalled": "myshopify_domain",
}


def _triage(headers: DeliveryHeaders, text: str) -> tuple[str, str | None]:
    # Only what needs no database lookup happens here; the worker checks the shop.
    try:
        payload = json.loads(text)
    except RecursionError:
        raise ApiError(400, "malformed_json", "malformed JSON: nested too deeply") from None
    except ValueError as error:
        raise ApiError(400, "malformed_json", f"malformed JSON: {error}") from None
    if not isinstance(payload, dict):
        raise ApiError(400, "malformed_json", "malformed JSON: the body is not an object")
    field = SHOP_IN_BODY.get(headers.topic)
    if field and str(payload.get(field) or "").lower() != headers.shop_domain:
        # A signed body for one shop replayed under another shop's header.
        raise ApiError(401, "shop_mismatch", f"the body's {field} is not X-Shopify-Shop-Domain")
    if headers.topic not in SUBSCRIBED_TOPICS:
        return DeliveryStatus.IGNORED, f"not subscribed to topic {headers.topic}"
    return DeliveryStatus.RECEIVED, None


class InsertOnce:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, in a transaction of its own.

    Concurrent retries of one event cannot both insert. SQLAlchemy compiles the statement
    and supplies each column's value conversion once per dialect; each call then runs on a
    raw pooled DBAPI connection, because the ORM session's unit of work and Core's
    per-statement machinery cost intake more than the database write itself.
    """

    def __init__(self, dialect: Dialect) -> None:
        statement = (
            dialect_insert(DELIVERY_TABLE, dialect.name)
            .on_conflict_do_nothing(index_elements=["shop_domain", "topic", "event_id"])
            .returning(DELIVERY_TABLE.c.id)
        )
        compiled = statement.compile(dialect=dialect, column_keys=list(STORED_COLUMNS))
        self.sql = compiled.string
        # qmark dialects (SQLite) take a tuple in this order; pyformat ones take the dict.
        self.positions = compiled.positiontup
        self.converters = {
            key: DELIVERY_TABLE.c[key].type.bind_processor(dialect) for key in STORED_COLUMNS
        }

    def run(self, values: dict) -> int | None:
        """The new row's id, or None when the event was stored before."""
        params = {
            key: convert(value) if (convert := self.converters[key]) else value
            for key, value in values.items()
        }
        if self.positions is not None:
            params = tuple(params[key] for key in self.positions)
        connection = db.engine.raw_connection()
        try:
            with sqlite_writers.turn():
                cursor = connection.cursor()
                cursor.execute(self.sql, params)
                row = cursor.fetchone()
                connection.commit()
        except Exception:
            connection.invalidate()  # it may be dead (the database went away): never reuse it
            raise
        finally:
            connection.close()  # back to the pool, rolled back if the commit never ran
        return row[0] if row else None


@functools.cache
def _insert_statement(dialect: Dialect) -> InsertOnce:
    return InsertOnce(dialect)


def backlog() -> tuple[int, float]:
    """Deliveries stored and not yet taken by a worker, and the oldest one's wait in seconds."""
    waiting, oldest = db.session.execute(
        select(func.count(), func.min(WebhookDelivery.received_at)).where(
            WebhookDelivery.status == DeliveryStatus.RECEIVED
        )
    ).one()
    db.session.rollback()
    if oldest is None:
        return waiting, 0.0
    if oldest.tzinfo is None:  # SQLite's aggregates come back naive; they are UTC
        oldest = oldest.replace(tzinfo=UTC)
    return waiting, (datetime.now(UTC) - oldest).total_seconds()
