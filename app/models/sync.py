"""Email platforms: a shop's connections, the outbox of work for them, and suppressions."""

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.crypto import EncryptedText
from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow


class PlatformConnection(db.Model):
    """A shop's account on one platform (app/sync/platforms/) and its list, key encrypted."""

    __tablename__ = "platform_connection"
    __table_args__ = (UniqueConstraint("shop_domain", "platform", name="uq_connection_platform"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    api_key: Mapped[str] = mapped_column(EncryptedText)
    # The platform's list or audience.
    list_id: Mapped[str] = mapped_column(String(64))
    list_name: Mapped[str | None] = mapped_column(String(255))
    double_optin: Mapped[bool] = mapped_column(default=False)
    # For a platform that signs nothing: its callback URL carries this secret instead.
    webhook_secret: Mapped[str | None] = mapped_column(EncryptedText)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For a platform polled for its suppressions: the newest read so far, and when we asked.
    suppressions_read_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suppressions_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<PlatformConnection {self.shop_domain} {self.platform}>"


class SyncTask(db.Model):
    """One piece of work for one platform; a task that ends "dead" is a dead letter.

    (shop, platform, operation, subject) is unique, so a replayed play or webhook queues
    nothing new and a platform never sees the same event twice from us.
    """

    __tablename__ = "sync_task"
    __table_args__ = (
        UniqueConstraint("shop_domain", "platform", "operation", "subject", name="uq_sync_task"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    operation: Mapped[str] = mapped_column(String(30))
    # What the operation is about: a play id, an email, a checkout token.
    # An email (up to 320) and, for consent tasks, the time of the change: see outbox.
    subject: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The vendor's own words for the last failure, shown to the merchant.
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A task backing off after a transient failure is left out of batches until then.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Sent inside a platform's asynchronous batch whose results are still to be collected.
    vendor_batch_id: Mapped[str | None] = mapped_column(String(64), index=True)


class EmailSuppression(db.Model):
    """An address that must never be subscribed again, and where we learned it.

    Held as a SHA-256 of the normalised address, so the list survives a customers/redact
    (an erased person must still never be re-subscribed) without holding their email.
    """

    __tablename__ = "email_suppression"
    __table_args__ = (UniqueConstraint("shop_domain", "email_hash", name="uq_suppression_email"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    email_hash: Mapped[str] = mapped_column(String(64))
    # Where it was learned: shopify, or a platform's name (app/sync/platforms/)
    source: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(120))
    suppressed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmailBackfill(db.Model):
    """Sending a shop's existing customers to a newly connected platform, with its progress.

    Resumable: `cursor` is the last customer id sent, so a worker that dies mid-run is
    followed by one that carries on from there instead of starting over.
    """

    __tablename__ = "email_backfill"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="queued")  # running, done, failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    sent: Mapped[int] = mapped_column(Integer, default=0)
    subscribed: Mapped[int] = mapped_column(Integer, default=0)
    # Consented in Shopify but suppressed somewhere: imported, never subscribed.
    held_back: Mapped[int] = mapped_column(Integer, default=0)
    cursor: Mapped[int] = mapped_column(BigId, default=0)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
