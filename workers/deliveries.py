"""Process one stored webhook delivery by dispatching it to its topic's handler."""

import logging

from app.extensions import db
from app.models import DeliveryStatus, WebhookDelivery
from app.models.types import utcnow
from app.shops import ShopUnavailable
from app.topics import handler_for, parse_payload

log = logging.getLogger(__name__)
# A delivery that keeps failing for reasons we cannot classify stops here, visibly.
MAX_ATTEMPTS = 8
# What a malformed or unexpected payload raises; retrying cannot fix any of these.
PAYLOAD_ERRORS = (KeyError, ValueError, TypeError, AttributeError, IndexError)


def process_delivery(delivery_id: int) -> str:
    """Run the handler for one delivery; safe to run twice, and after an uninstall."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != DeliveryStatus.RECEIVED:
        return "skipped"
    if delivery.attempts >= MAX_ATTEMPTS:
        return _finish(delivery, DeliveryStatus.FAILED, f"gave up: {delivery.error}")
    handler = handler_for(delivery.topic)
    if handler is None:
        return _finish(delivery, DeliveryStatus.IGNORED, f"no handler for {delivery.topic} yet")
    # Counted before the work, so a worker killed mid-job still uses up an attempt.
    delivery.attempts += 1
    db.session.commit()
    try:
        handler(delivery, parse_payload(delivery.body))
    except PAYLOAD_ERRORS as error:
        return _fail_permanently(delivery_id, error)
    except ShopUnavailable as error:
        if not error.transient:
            return _fail_permanently(delivery_id, error)
        _note_transient(delivery_id, error)
        raise
    except Exception as error:
        # Unknown failures (database locked, connection lost) are retried by RQ with backoff.
        _note_transient(delivery_id, error)
        raise
    return _finish(delivery, DeliveryStatus.PROCESSED, None)


def _finish(delivery: WebhookDelivery, status: str, error: str | None) -> str:
    delivery.status = status
    delivery.error = error
    delivery.processed_at = utcnow()
    db.session.commit()
    return status


def _fail_permanently(delivery_id: int, error: Exception) -> str:
    db.session.rollback()
    log.warning("delivery %s failed permanently: %r", delivery_id, error)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    return _finish(delivery, DeliveryStatus.FAILED, f"{type(error).__name__}: {error}")


def _note_transient(delivery_id: int, error: Exception) -> None:
    db.session.rollback()
    log.warning("delivery %s will be retried: %r", delivery_id, error)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    delivery.error = f"{type(error).__name__}: {error}"
    db.session.commit()
