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
from app.sync.backfill import ACTIVE, await_imports, learn_klaviyo_suppressions, send_page
from app.sync.klaviyo import KlaviyoError
from app.sync.mailchimp import MailchimpError
from app.sync.operations import client_for
from app.sync.outcomes import TRANSIENT

# Waits up to this long are slept in place; longer ones go back to RQ's retry schedule.
LONGEST_INLINE_WAIT_SECONDS = 60
MAX_WAITS_IN_A_ROW = 20
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
    client = client_for(connection)
    backfill.status = "running"
    db.session.commit()
    calls_before, waits, import_jobs = backfill.api_calls, 0, []
    while True:
        try:
            if backfill.platform == "klaviyo" and backfill.cursor == 0 and waits == 0:
                learn_klaviyo_suppressions(connection, client)
            more = send_page(backfill, connection, client, import_jobs)
            if not more and import_jobs:
                await_imports(backfill, client, import_jobs)
        except (KlaviyoError, MailchimpError) as error:
            db.session.rollback()  # the page in flight goes again
            outcome = error.outcome
            backfill.last_error = outcome.detail
            wait = outcome.retry_after or 1
            if outcome.kind != TRANSIENT:
                return _finish(backfill, "failed", outcome.detail)
            if wait > LONGEST_INLINE_WAIT_SECONDS or waits >= MAX_WAITS_IN_A_ROW:
                db.session.commit()
                raise  # RQ retries later; the cursor keeps every page already sent
            db.session.commit()
            waits += 1
            time.sleep(wait)
            continue
        backfill.api_calls = calls_before + client.calls
        waits = 0
        if not more:
            return _finish(backfill, "done", None)
        db.session.commit()


def _finish(backfill: EmailBackfill, status: str, error: str | None) -> str:
    backfill.status, backfill.finished_at = status, utcnow()
    if error:
        backfill.last_error = error
        log.warning("email backfill %s %s: %s", backfill.id, status, error)
    db.session.commit()
    return status
