"""The email backfill job: a shop's existing customers to one platform, page by page.

Runs on the bulk queue, so it may wait out a rate limit in place without holding back
webhooks or live sync. Progress is committed after every page; a job that dies is retried by
RQ and carries on from the cursor (imports are upserts, so a page sent twice is harmless).
"""

import logging
import time

from sqlalchemy import select

from app.extensions import db
from app.models import EmailBackfill, PlatformConnection
from app.models.types import utcnow
from app.sync.backfill import ACTIVE, send_page
from app.sync.outcomes import TRANSIENT
from app.sync.platforms import PLATFORMS, PlatformError
from app.sync.platforms.base import BackfillState

# Waits up to this long are slept in place; longer ones go back to RQ's retry schedule.
LONGEST_INLINE_WAIT_SECONDS = 60
MAX_WAITS_IN_A_ROW = 20
PAUSED = "paused: "
log = logging.getLogger(__name__)


def run_email_backfill(backfill_id: int) -> str:
    """Send every remaining page; returns the run's status."""
    backfill = db.session.get(EmailBackfill, backfill_id)
    if backfill is None or backfill.status not in ACTIVE:
        return backfill.status if backfill else "missing"
    connection = db.session.scalar(
        select(PlatformConnection).where(
            PlatformConnection.shop_domain == backfill.shop_domain,
            PlatformConnection.platform == backfill.platform,
        )
    )
    if connection is None:
        return _finish(backfill, "failed", "the platform was disconnected")
    backfill.status = "running"
    if (backfill.last_error or "").startswith(PAUSED):
        backfill.last_error = None  # resumed by RQ after a long pause: it is over
    db.session.commit()
    return _send_everything(backfill, connection)


def _send_everything(backfill: EmailBackfill, connection: PlatformConnection) -> str:
    platform = PLATFORMS[backfill.platform]
    state = BackfillState(client=platform.client(connection))
    calls_before, waits, started = backfill.api_calls, 0, backfill.cursor > 0
    while True:
        try:
            if not started:
                platform.backfill_start(connection, state)
                started = True
            more = send_page(backfill, state)
            if not more:
                platform.backfill_finish(backfill, state)
        except PlatformError as error:
            db.session.rollback()  # the page in flight goes again
            if error.outcome.kind != TRANSIENT:
                return _finish(backfill, "failed", error.outcome.detail)
            waits += 1
            _pause(backfill, error, waits)
            continue
        backfill.api_calls = calls_before + state.client.calls
        if waits:
            backfill.last_error, waits = None, 0  # the pause is over: nothing to report
        if not more:
            return _finish(backfill, "done", None)
        db.session.commit()


def _pause(backfill: EmailBackfill, error: PlatformError, waits: int) -> None:
    """Wait out a short outage here; hand a long one to RQ's retries, which resume at the cursor."""
    backfill.last_error = f"{PAUSED}{error.outcome.detail}"
    db.session.commit()
    wait = error.outcome.retry_after or 1
    if wait > LONGEST_INLINE_WAIT_SECONDS or waits > MAX_WAITS_IN_A_ROW:
        raise error
    time.sleep(wait)


def _finish(backfill: EmailBackfill, status: str, error: str | None) -> str:
    backfill.status, backfill.finished_at = status, utcnow()
    if error:
        backfill.last_error = error
        log.warning("email backfill %s %s: %s", backfill.id, status, error)
    db.session.commit()
    return status
