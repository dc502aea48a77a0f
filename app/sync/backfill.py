"""Sending a shop's existing customers to a newly connected platform, page by page.

The run is resumable: `cursor` is the last customer sent, so a retried job carries on from
there. Each platform sends a page its own way (app/sync/platforms/): before anything is
subscribed, every address suppressed anywhere is held back, and a platform that holds its own
suppressions reads them first.
"""

from rq import Retry
from sqlalchemy import func, select

from app.extensions import db, redis_queues
from app.loyalty.facts import loyalty_facts_of_many
from app.models import Customer, EmailBackfill, PlatformConnection
from app.models.types import utcnow
from app.sync.platforms import PLATFORMS
from app.sync.platforms.base import BackfillState
from app.sync.profile_facts import profile_facts
from app.sync.segments import segments_of_many
from app.sync.suppression import held_hashes

ACTIVE = ("queued", "running")
BACKFILL_JOB = "workers.email_backfill.run_email_backfill"


def start_backfill(connection: PlatformConnection) -> EmailBackfill:
    """A new run, or the one already going (a double click starts one)."""
    running = db.session.scalar(
        select(EmailBackfill).where(
            EmailBackfill.shop_domain == connection.shop_domain,
            EmailBackfill.platform == connection.platform,
            EmailBackfill.status.in_(ACTIVE),
        )
    )
    if running is not None:
        return running
    total = db.session.scalar(
        select(func.count()).select_from(Customer).where(*_customers_of(connection.shop_domain))
    )
    backfill = EmailBackfill(
        shop_domain=connection.shop_domain,
        platform=connection.platform,
        status="queued",
        total=total or 0,
        sent=0,
        subscribed=0,
        held_back=0,
        cursor=0,
        api_calls=0,
    )
    db.session.add(backfill)
    return backfill


def queue_backfill(backfill: EmailBackfill) -> None:
    """Run it on the bulk queue, with RQ retrying a run that a vendor outage stopped."""
    redis_queues.queue("default").enqueue(
        BACKFILL_JOB,
        backfill.id,
        job_id=f"email-backfill-{backfill.id}",
        retry=Retry(max=5, interval=[30, 60, 300, 900, 1800]),
        job_timeout=6 * 3600,
        result_ttl=0,
    )


def latest_backfill(shop_domain: str, platform: str) -> EmailBackfill | None:
    return db.session.scalar(
        select(EmailBackfill)
        .where(EmailBackfill.shop_domain == shop_domain, EmailBackfill.platform == platform)
        .order_by(EmailBackfill.id.desc())
        .limit(1)
    )


def send_page(backfill: EmailBackfill, state: BackfillState) -> bool:
    """Send the next page of customers after the cursor; False when none were left."""
    platform = PLATFORMS[backfill.platform]
    customers = list(
        db.session.scalars(
            select(Customer)
            .where(*_customers_of(backfill.shop_domain), Customer.id > backfill.cursor)
            .order_by(Customer.id)
            .limit(platform.backfill_page_size)
        )
    )
    if not customers:
        return False
    segments = segments_of_many(customers, utcnow())
    loyalty = loyalty_facts_of_many(backfill.shop_domain, [customer.id for customer in customers])
    facts = [
        profile_facts(customer, segments[customer.id], loyalty.get(customer.id))
        for customer in customers
    ]
    held = held_hashes(backfill.shop_domain, [customer.email for customer in customers])
    sent = platform.backfill_page(backfill, state, customers, facts, held)
    backfill.cursor = customers[sent - 1].id
    backfill.sent += sent
    return True


def _customers_of(shop_domain: str):
    return (
        Customer.shop_domain == shop_domain,
        Customer.email.is_not(None),
        Customer.deleted_at.is_(None),
    )
