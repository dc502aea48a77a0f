"""Read-only queries behind the admin pages, always scoped to one shop."""

from datetime import timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models import PrivacyRequest, SyncTask, WebhookDelivery
from app.models.types import utcnow

PAGE_SIZE = 50


def recent_deliveries(shop_domain: str, status: str | None = None) -> list[WebhookDelivery]:
    """The newest deliveries of one shop, optionally of one status."""
    query = select(WebhookDelivery).where(WebhookDelivery.shop_domain == shop_domain)
    if status:
        query = query.where(WebhookDelivery.status == status)
    return list(db.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(PAGE_SIZE)))


def delivery_for_shop(shop_domain: str, delivery_id: int) -> WebhookDelivery | None:
    """One delivery, only if it belongs to the shop asking."""
    return db.session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.shop_domain == shop_domain
        )
    )


def delivery_counts(shop_domain: str, hours: int = 24) -> dict[str, int]:
    """How many deliveries of each status the shop received in the last hours."""
    rows = db.session.execute(
        select(WebhookDelivery.status, func.count())
        .where(
            WebhookDelivery.shop_domain == shop_domain,
            WebhookDelivery.received_at >= utcnow() - timedelta(hours=hours),
        )
        .group_by(WebhookDelivery.status)
    )
    return {status: count for status, count in rows}


def privacy_requests_for(shop_domain: str) -> list[PrivacyRequest]:
    """The shop's GDPR requests, newest first."""
    return list(
        db.session.scalars(
            select(PrivacyRequest)
            .where(PrivacyRequest.shop_domain == shop_domain)
            .order_by(PrivacyRequest.id.desc())
            .limit(PAGE_SIZE)
        )
    )


def privacy_request_for(shop_domain: str, request_id: int) -> PrivacyRequest | None:
    """One GDPR request, only if it belongs to the shop asking."""
    return db.session.scalar(
        select(PrivacyRequest).where(
            PrivacyRequest.id == request_id, PrivacyRequest.shop_domain == shop_domain
        )
    )


def sync_backlog(shop_domain: str) -> list[dict]:
    """Outbox rows not yet done, by platform, operation and status."""
    rows = db.session.execute(
        select(SyncTask.platform, SyncTask.operation, SyncTask.status, func.count())
        .where(
            SyncTask.shop_domain == shop_domain,
            SyncTask.status.in_(("pending", "sending", "dead")),
        )
        .group_by(SyncTask.platform, SyncTask.operation, SyncTask.status)
    )
    backlog: dict[tuple, dict] = {}
    for platform, operation, status, count in rows:
        entry = backlog.setdefault(
            (platform, operation),
            {"platform": platform, "operation": operation, "pending": 0, "sending": 0, "dead": 0},
        )
        entry[status] = count
    return sorted(backlog.values(), key=lambda entry: (entry["platform"], entry["operation"]))


def deliveries_per_hour(shop_domain: str, hours: int = 24) -> list[dict]:
    """Sync tasks delivered to each platform in each of the last hours, oldest first."""
    since = utcnow() - timedelta(hours=hours)
    bucket = _hour(SyncTask.done_at)
    rows = db.session.execute(
        select(bucket, SyncTask.platform, func.count())
        .where(
            SyncTask.shop_domain == shop_domain,
            SyncTask.status == "done",
            SyncTask.done_at >= since,
        )
        .group_by(bucket, SyncTask.platform)
    )
    counts: dict[str, dict] = {}
    for hour, platform, count in rows:
        key = hour.strftime("%Y-%m-%dT%H:00") if hasattr(hour, "strftime") else str(hour)
        counts.setdefault(key, {"hour": key})[platform] = count
    return [counts[key] for key in sorted(counts)]


def _hour(column):
    if db.engine.dialect.name == "postgresql":
        return func.date_trunc("hour", column)
    return func.strftime("%Y-%m-%dT%H:00", column)
