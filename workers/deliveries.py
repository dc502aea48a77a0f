"""Process stored webhook deliveries by dispatching each to its topic's handler."""

import functools
import logging
import random
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import bindparam, or_, select, update

from app import logs
from app.extensions import db
from app.failures import describe
from app.metrics import DELIVERIES_FINISHED, DELIVERIES_RETRIED
from app.models import DeliveryStatus, Shop, WebhookDelivery
from app.models.types import utcnow
from app.shops import ShopUnavailable
from workers.topics import (
    COMPLIANCE_TOPICS,
    GROUPED_TOPICS,
    SHOP_LIFECYCLE_TOPICS,
    handler_for,
    parse_payload,
)

log = logging.getLogger(__name__)
# A delivery that keeps failing for reasons we cannot classify stops here, visibly.
MAX_ATTEMPTS = 8
RETRY_BASE_SECONDS = 30
RETRY_CAP_SECONDS = 3600
# What a malformed or unexpected payload raises; retrying cannot fix any of these.
PAYLOAD_ERRORS = (KeyError, ValueError, TypeError, AttributeError, IndexError)
# Deliveries applied in one transaction; each holds SQLite's write lock a few milliseconds.
GROUP_SIZE = 20


class RetryLater(Exception):
    """Some deliveries of a batch hit transient failures; RQ retries the batch."""


def process_deliveries(delivery_ids: list[int]) -> dict[str, int]:
    """Process a batch; finished ones are skipped on a retry, so running it twice is safe.

    Profile deliveries of known shops are applied GROUP_SIZE at a time in one transaction:
    a commit per delivery cost more than most of their statements. If one of a group fails,
    the group is rolled back and each of its deliveries is run again alone, so a failure
    is recorded on its own row and never on its neighbours'.
    """
    claimed = _claim(delivery_ids)
    batch = _Batch(skipped=len(delivery_ids) - len(claimed))
    for delivery, shop_known in _claimed_deliveries(claimed):
        if _groupable(delivery, shop_known):
            batch.add_to_group(delivery)
        else:
            batch.commit_group()
            batch.run_alone(delivery, shop_known)
    batch.commit_group()
    if batch.transient:
        raise RetryLater("; ".join(batch.transient[:5]))
    return batch.outcomes


class _Batch:
    """One job's deliveries: how each ended, which failed transiently, the open group."""

    def __init__(self, skipped: int) -> None:
        self.outcomes: dict[str, int] = {"skipped": skipped}
        self.transient: list[str] = []
        self.group: list[WebhookDelivery] = []

    def count(self, outcome: str, deliveries: int = 1) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + deliveries

    def run_alone(self, delivery: WebhookDelivery, shop_known: bool) -> None:
        """The delivery in a transaction of its own, committed whatever its outcome."""
        try:
            outcome = _run(delivery, shop_known)
        except Exception as error:
            # Carry on with the rest of the batch; the failure is on the row and retried.
            self.transient.append(f"{delivery.id}: {describe(error)}")
            return
        finally:
            db.session.remove()
        self.count(outcome)

    def add_to_group(self, delivery: WebhookDelivery) -> None:
        self.group.append(delivery)
        try:
            _apply_in_group(delivery)
        except Exception:
            self._run_group_alone()
            return
        if len(self.group) >= GROUP_SIZE:
            self.commit_group()

    def commit_group(self) -> None:
        if not self.group:
            return
        try:
            db.session.commit()
        except Exception:
            self._run_group_alone()
            return
        self.count(DeliveryStatus.PROCESSED, len(self.group))
        DELIVERIES_FINISHED.labels(DeliveryStatus.PROCESSED).inc(len(self.group))
        self.group.clear()
        db.session.remove()

    def _run_group_alone(self) -> None:
        # The group's work is rolled back with the failure: each delivery runs again alone.
        db.session.rollback()
        db.session.remove()
        group, self.group = self.group, []
        for delivery in group:
            self.run_alone(delivery, shop_known=True)


def _groupable(delivery: WebhookDelivery, shop_known: bool) -> bool:
    # Only handlers that write the profile and never commit or call out on their own.
    return (
        shop_known
        and delivery.topic in GROUPED_TOPICS
        and delivery.attempts <= MAX_ATTEMPTS
        and handler_for(delivery.topic) is not None
    )


def _apply_in_group(delivery: WebhookDelivery) -> None:
    """Run the handler and mark the delivery processed, in the group's open transaction."""
    with logs.bound(delivery_id=delivery.id, shop=delivery.shop_domain, topic=delivery.topic):
        handler_for(delivery.topic)(delivery, parse_payload(delivery.body))
        db.session.execute(
            _finish_statement(delivery.error is not None),
            {
                "delivery": delivery.id,
                "to_status": DeliveryStatus.PROCESSED,
                "at": utcnow(),
                "to_error": None,
            },
        )


def process_delivery(delivery_id: int) -> str:
    """Claim one delivery and run its handler; safe to run twice, and after an uninstall."""
    if not _claim([delivery_id]):
        return "skipped"
    for delivery, shop_known in _claimed_deliveries([delivery_id]):
        try:
            return _run(delivery, shop_known)
        finally:
            db.session.remove()
    return "skipped"


def _run(delivery: WebhookDelivery, shop_known: bool) -> str:
    with logs.bound(delivery_id=delivery.id, shop=delivery.shop_domain, topic=delivery.topic):
        return _handle(delivery, shop_known)


def _claimed_deliveries(claimed: list[int]) -> Iterator[tuple[WebhookDelivery, bool]]:
    """Each claimed delivery, and whether its shop was known when the batch was read.

    The batch is read in two statements (the rows, then which of their shops Baton knows),
    not two per delivery. A topic that can erase a shop or its deliveries ends that reading:
    the rest is read again after it. A shop not known is asked again at its turn, so an
    install that lands mid-batch is seen.
    """
    pending = claimed
    while pending:
        rows = db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(pending)))
        by_id = {delivery.id: delivery for delivery in rows}
        # Detached, so each delivery's commit leaves the others readable.
        db.session.expunge_all()
        domains = {delivery.shop_domain for delivery in by_id.values()}
        known = set(db.session.scalars(select(Shop.domain).where(Shop.domain.in_(domains))))
        db.session.remove()
        rest, pending = pending, []
        for position, delivery_id in enumerate(rest):
            delivery = by_id.get(delivery_id)
            if delivery is None:
                continue  # erased by a shop/redact earlier in this batch
            yield delivery, delivery.shop_domain in known
            if delivery.topic in SHOP_LIFECYCLE_TOPICS:
                pending = rest[position + 1 :]
                break


def _handle(delivery: WebhookDelivery, shop_known: bool) -> str:
    if delivery.attempts > MAX_ATTEMPTS:
        return _finish(delivery, DeliveryStatus.FAILED, f"gave up: {delivery.error}")
    if handler_for(delivery.topic) is None:
        return _finish(delivery, DeliveryStatus.IGNORED, f"no handler for {delivery.topic} yet")
    if not shop_known and _awaits_install(delivery):
        return _finish(
            delivery,
            DeliveryStatus.AWAITING_INSTALL,
            f"kept until {delivery.shop_domain} first opens Baton",
        )
    try:
        handler_for(delivery.topic)(delivery, parse_payload(delivery.body))
    except PAYLOAD_ERRORS as error:
        return _fail_permanently(delivery, error)
    except ShopUnavailable as error:
        if not error.transient:
            return _fail_permanently(delivery, error)
        _release(delivery.id, error)
        raise
    except Exception as error:
        # Unknown failures (database locked, connection lost) are retried with backoff.
        _release(delivery.id, error)
        raise
    return _finish(delivery, DeliveryStatus.PROCESSED, None)


def _claim(delivery_ids: list[int]) -> list[int]:
    """Mark waiting deliveries as ours in one statement and one commit; returns their ids."""
    # One atomic UPDATE decides which worker runs a delivery, even if two jobs carry its id.
    # The attempt is counted here, so a worker killed mid-job still uses one up.
    table = WebhookDelivery.__table__
    now = utcnow()
    claimed = db.session.scalars(
        update(table)
        .where(
            table.c.id.in_(delivery_ids),
            table.c.status == DeliveryStatus.RECEIVED,
            or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
        )
        .values(status=DeliveryStatus.PROCESSING, claimed_at=now, attempts=table.c.attempts + 1)
        .returning(table.c.id)
    ).all()
    db.session.commit()
    return sorted(claimed)


def _awaits_install(delivery: WebhookDelivery) -> bool:
    # Compliance requests are honoured even for shops we never knew or already erased.
    if delivery.topic in COMPLIANCE_TOPICS:
        return False
    known = db.session.scalar(select(Shop.id).where(Shop.domain == delivery.shop_domain))
    return known is None


def retry_delay(attempts: int) -> timedelta:
    """Backoff after `attempts` tries: 30 s, 1, 2, 4 minutes... up to an hour, jittered so a
    burst that failed together does not come back together. Eight attempts span hours."""
    ceiling = min(RETRY_CAP_SECONDS, RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def _finish(delivery: WebhookDelivery, status: str, error: str | None) -> str:
    # As the ORM would: the error is written only when it differs from the one read, so
    # what the handler wrote in this transaction (a redaction's "redacted") stays.
    writes_error = error != delivery.error
    db.session.execute(
        _finish_statement(writes_error),
        {"delivery": delivery.id, "to_status": status, "at": utcnow(), "to_error": error},
    )
    db.session.commit()
    DELIVERIES_FINISHED.labels(status).inc()
    return status


@functools.cache
def _finish_statement(writes_error: bool):
    # Built once: every delivery runs it, and building it cost more than running it.
    table = WebhookDelivery.__table__
    values = {"status": bindparam("to_status"), "processed_at": bindparam("at")}
    if writes_error:
        values["error"] = bindparam("to_error")
    return update(table).where(table.c.id == bindparam("delivery")).values(values)


def _fail_permanently(delivery: WebhookDelivery, error: Exception) -> str:
    db.session.rollback()
    log.warning("delivery %s failed permanently: %s", delivery.id, describe(error))
    return _finish(delivery, DeliveryStatus.FAILED, describe(error))


def _release(delivery_id: int, error: Exception) -> None:
    db.session.rollback()
    log.warning("delivery %s will be retried: %s", delivery_id, describe(error))
    delivery = db.session.get(WebhookDelivery, delivery_id)
    delivery.status = DeliveryStatus.RECEIVED
    delivery.claimed_at = None
    delivery.next_attempt_at = utcnow() + retry_delay(delivery.attempts)
    delivery.error = describe(error)
    db.session.commit()
    DELIVERIES_RETRIED.inc()
