"""import_shop(run_id): a backfill or reconciliation through Shopify's Bulk Operations API."""

import logging
import time

from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.failures import describe
from app.models import BackfillRun
from app.models.types import utcnow
from app.profiles import bulk
from app.shopify.graphql import ShopifyAuthError, ShopifyGraphQLError
from app.shops import ShopUnavailable, admin_client_for, find_shop
from workers.deliveries import PAYLOAD_ERRORS

log = logging.getLogger(__name__)
PHASES = ("customers", "orders")
COMMIT_EVERY = 200
DATABASE_ATTEMPTS = 4
DATABASE_PAUSE_SECONDS = 1.0


def import_shop(run_id: int) -> str:
    """Run or resume an import; finished runs are skipped, so running it twice is safe."""
    run = db.session.get(BackfillRun, run_id)
    if run is None or run.status not in ("queued", "running"):
        return "skipped"
    try:
        shop = find_shop(run.shop_domain)
        if shop is None:
            raise ShopUnavailable(f"{run.shop_domain} is not installed")
        client = admin_client_for(shop)
        for phase in PHASES[PHASES.index(run.phase or PHASES[0]) :]:
            _run_phase(run, client, phase)
    except (ShopifyGraphQLError, ShopifyAuthError) as error:
        return _fail(run, error)
    except ShopUnavailable as error:
        if error.transient:
            raise
        return _fail(run, error)
    run.status, run.phase, run.finished_at = "completed", None, utcnow()
    db.session.commit()
    return "completed"


def _run_phase(run: BackfillRun, client, phase: str) -> None:
    if run.phase != phase:
        run.phase, run.operation_id = phase, None
    run.status = "running"
    if run.operation_id is None:
        run.operation_id = bulk.start(client, bulk.bulk_query(phase, run.since))
    # Commit before the long wait so the admin sees the run and no transaction stays open.
    db.session.commit()
    status = bulk.wait(client, run.operation_id)
    done_before = run.objects_done
    run.objects_total = done_before + int(status.get("objectCount") or 0)
    db.session.commit()
    for attempt in range(1, DATABASE_ATTEMPTS + 1):
        try:
            _apply_all(run, phase, status.get("url"), done_before)
            return
        except OperationalError as error:
            # SQLite says "database is locked" when another writer kept it past busy_timeout
            # (PostgreSQL: a dropped connection). What this phase applied since its last
            # commit went with the rollback, and applying a line twice changes nothing, so
            # read the export again after a pause rather than wait for RQ's retry.
            db.session.rollback()
            if attempt == DATABASE_ATTEMPTS:
                raise
            log.warning("import %s, %s: %s; applying again", run.id, phase, describe(error))
            time.sleep(DATABASE_PAUSE_SECONDS * attempt)


def _apply_all(run: BackfillRun, phase: str, url: str | None, done_before: int) -> None:
    observed_at = utcnow()
    for count, node in enumerate(bulk.stream_lines(url), start=1):
        _apply_safely(run, phase, node, observed_at)
        if count % COMMIT_EVERY == 0:
            run.objects_done = done_before + count
            db.session.commit()
    run.objects_done = run.objects_total
    run.operation_id = None
    db.session.commit()


def _apply_safely(run: BackfillRun, phase: str, node: dict, observed_at) -> None:
    # One malformed record is skipped and noted; it must not sink the other million.
    try:
        with db.session.begin_nested():
            bulk.apply_line(run.shop_domain, phase, node, observed_at)
    except PAYLOAD_ERRORS as error:
        run.skipped = (run.skipped or 0) + 1
        run.error = f"skipped {run.skipped} malformed records; last: {describe(error)}"[:1000]


def _fail(run: BackfillRun, error: Exception) -> str:
    db.session.rollback()
    run = db.session.get(BackfillRun, run.id)
    run.status, run.error, run.finished_at = "failed", describe(error), utcnow()
    db.session.commit()
    log.warning("import %s failed: %s", run.id, error)
    return "failed"
