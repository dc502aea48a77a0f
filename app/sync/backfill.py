"""Sending a shop's existing customers to a newly connected platform, page by page.

Klaviyo: profiles go in bulk import jobs (at most 10,000 profiles and 5 MB each), and the
customers who consented in Shopify are subscribed with `historical_import` and the time they
consented. Mailchimp: batch subscribe, 500 per call, never touching existing members (so an
unsubscribed member stays unsubscribed). Before anything is subscribed, Klaviyo's own
suppressions are read in full, since its subscribe would clear them.
"""

import json
import time
from datetime import UTC, datetime

from rq import Retry
from sqlalchemy import func, select

from app.extensions import db, redis_queues
from app.models import Customer, EmailBackfill, PlatformConnection
from app.models.types import utcnow
from app.sync.klaviyo import KlaviyoAccount
from app.sync.mailchimp import MailchimpAudience
from app.sync.platform_events import platform_unsubscribed
from app.sync.profile_facts import profile_facts
from app.sync.segments import segments_of_many
from app.sync.suppression import email_hash, held_hashes

KLAVIYO_IMPORT_PROFILES = 10_000
KLAVIYO_IMPORT_BYTES = 5_000_000
MAILCHIMP_BATCH_MEMBERS = 500
# Klaviyo pages are read in steps of this many customers, then cut to fit the byte limit.
PAGE = {"klaviyo": KLAVIYO_IMPORT_PROFILES, "mailchimp": MAILCHIMP_BATCH_MEMBERS}
# Room for the JSON:API envelope around the profiles.
ENVELOPE_BYTES = 1_000
SOURCE = "Baton backfill: Shopify consent"
IMPORT_POLL_SECONDS = 1
IMPORT_WAIT_SECONDS = 900
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


def learn_klaviyo_suppressions(connection: PlatformConnection, account: KlaviyoAccount) -> None:
    """Every address Klaviyo suppressed, ever: recorded and spread before we subscribe."""
    for email, reason, _ in account.suppressed_since(datetime(2000, 1, 1, tzinfo=UTC)):
        platform_unsubscribed(connection, email, f"{reason} in Klaviyo")


def send_page(
    backfill: EmailBackfill, connection: PlatformConnection, client, import_jobs: list[str]
) -> bool:
    """Send the next page of customers after the cursor; False when none were left.

    Klaviyo's import job ids are added to `import_jobs`, for await_imports.
    """
    customers = list(
        db.session.scalars(
            select(Customer)
            .where(*_customers_of(backfill.shop_domain), Customer.id > backfill.cursor)
            .order_by(Customer.id)
            .limit(PAGE[backfill.platform])
        )
    )
    if not customers:
        return False
    segments = segments_of_many(customers, utcnow())
    facts = [profile_facts(customer, segments[customer.id]) for customer in customers]
    held = held_hashes(backfill.shop_domain, [customer.email for customer in customers])
    if backfill.platform == "klaviyo":
        sent = _to_klaviyo(backfill, client, customers, facts, held, import_jobs)
    else:
        sent = _to_mailchimp(backfill, client, customers, facts, held)
    backfill.cursor = customers[sent - 1].id
    backfill.sent += sent
    return True


def await_imports(backfill: EmailBackfill, account: KlaviyoAccount, import_jobs: list[str]):
    """Wait for Klaviyo to finish the import jobs, and record any profiles it refused."""
    waited, failed = 0.0, 0
    for job_id in import_jobs:
        while True:
            job = account.import_job(job_id)
            if job["status"] in ("complete", "cancelled") or waited > IMPORT_WAIT_SECONDS:
                failed += job.get("failed_count") or 0
                break
            time.sleep(IMPORT_POLL_SECONDS)
            waited += IMPORT_POLL_SECONDS
    if failed:
        backfill.last_error = f"Klaviyo's import refused {failed} profiles"
    if waited > IMPORT_WAIT_SECONDS:
        backfill.last_error = "Klaviyo is still importing; profiles will appear as it finishes"


def _to_klaviyo(backfill, account: KlaviyoAccount, customers, facts, held, import_jobs) -> int:
    profiles, size = [], ENVELOPE_BYTES
    for customer, fact in zip(customers, facts, strict=True):
        profile = {
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "properties": fact["klaviyo"],
        }
        size += len(json.dumps(profile)) + 40
        if size > KLAVIYO_IMPORT_BYTES:
            break
        profiles.append(profile)
    import_jobs.append(account.import_profiles(profiles))
    sent = customers[: len(profiles)]
    consents = [
        (customer.email, _consented_at(customer))
        for customer in sent
        if _consented(customer) and email_hash(customer.email) not in held
    ]
    backfill.held_back += sum(
        _consented(customer) and email_hash(customer.email) in held for customer in sent
    )
    if consents:
        account.subscribe_historical(consents, SOURCE)
        backfill.subscribed += len(consents)
    return len(profiles)


def _to_mailchimp(backfill, audience: MailchimpAudience, customers, facts, held) -> int:
    members = []
    for customer, fact in zip(customers, facts, strict=True):
        if email_hash(customer.email) in held:
            status = "unsubscribed"
            backfill.held_back += _consented(customer)
        elif _consented(customer):
            status = "subscribed"
            backfill.subscribed += 1
        else:
            status = "transactional"
        members.append(
            {
                "email_address": customer.email,
                "status": status,
                "merge_fields": fact["mailchimp"],
                **_signup_time(customer, status),
            }
        )
    refused = audience.add_members(members)
    if refused:
        backfill.last_error = "; ".join(f"{email}: {why}" for email, why in refused.items())[:500]
    return len(members)


def _customers_of(shop_domain: str):
    return (
        Customer.shop_domain == shop_domain,
        Customer.email.is_not(None),
        Customer.deleted_at.is_(None),
    )


def _consented(customer: Customer) -> bool:
    return customer.email_consent_state == "subscribed"


def _consented_at(customer: Customer) -> str:
    moment = customer.email_consent_updated_at or customer.created_at
    return moment.astimezone(UTC).isoformat()


def _signup_time(customer: Customer, status: str) -> dict:
    # Mailchimp keeps when consent was given, for the audience's own records.
    if status != "subscribed":
        return {}
    return {"timestamp_opt": _consented_at(customer)}
