"""Starting backfills and reconciliations, and deciding when a reconciliation is due."""

from datetime import datetime, timedelta

from rq import Retry
from sqlalchemy import select

from app.extensions import db, redis_queues
from app.models import BackfillRun, Shop
from app.models.types import utcnow

IMPORT_JOB = "workers.backfill.import_shop"
ACTIVE = ("queued", "running")
RECONCILE_EVERY = timedelta(hours=6)
# Each reconciliation looks a little further back than the last one ended, in case of skew.
RECONCILE_OVERLAP = timedelta(hours=1)
FIRST_RECONCILE_WINDOW = timedelta(days=2)


def start_import(
    shop_domain: str, kind: str = "backfill", since: datetime | None = None
) -> BackfillRun:
    """Create a run and queue it, unless one is already under way for the shop."""
    active = db.session.scalar(
        select(BackfillRun).where(
            BackfillRun.shop_domain == shop_domain, BackfillRun.status.in_(ACTIVE)
        )
    )
    if active is not None:
        return active
    run = BackfillRun(shop_domain=shop_domain, kind=kind, since=since, status="queued")
    db.session.add(run)
    db.session.commit()
    redis_queues.queue("default").enqueue(
        IMPORT_JOB,
        run.id,
        job_id=f"import-{run.id}",
        job_timeout=4 * 3600,
        retry=Retry(max=5, interval=[30, 120, 600, 1800, 3600]),
    )
    return run


def latest_import(shop_domain: str, kind: str | None = None) -> BackfillRun | None:
    """The shop's most recent run (of one kind, if given), for the admin's progress bar."""
    query = select(BackfillRun).where(BackfillRun.shop_domain == shop_domain)
    if kind is not None:
        query = query.where(BackfillRun.kind == kind)
    return db.session.scalar(query.order_by(BackfillRun.id.desc()).limit(1))


def schedule_reconciliations(now: datetime | None = None) -> int:
    """Queue a reconciliation for every installed shop whose last one is older than 6 hours."""
    now = now or utcnow()
    started = 0
    shops = db.session.scalars(
        select(Shop.domain).where(Shop.uninstalled_at.is_(None), Shop.access_token.is_not(None))
    ).all()
    for domain in shops:
        last = db.session.scalar(
            select(BackfillRun)
            .where(BackfillRun.shop_domain == domain)
            .order_by(BackfillRun.id.desc())
            .limit(1)
        )
        if last is not None and (last.status in ACTIVE or now - last.created_at < RECONCILE_EVERY):
            continue
        since = (last.created_at - RECONCILE_OVERLAP) if last else now - FIRST_RECONCILE_WINDOW
        start_import(domain, kind="reconcile", since=since)
        started += 1
    return started
