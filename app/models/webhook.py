"""Every webhook delivery Shopify sent us, stored before any work is done on it."""

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow


class DeliveryStatus:
    """Where a delivery stands; RECEIVED ones wait for a worker, PROCESSING ones have one."""

    RECEIVED = "received"
    PROCESSING = "processing"
    # For a shop Baton has not met yet: Shopify subscribes the TOML's topics at install,
    # before the merchant's first admin load gives Baton a token. Released by that install.
    AWAITING_INSTALL = "awaiting_install"
    PROCESSED = "processed"
    IGNORED = "ignored"
    REJECTED = "rejected"
    FAILED = "failed"


class WebhookDelivery(db.Model):
    """One delivery: its headers, raw body, and what became of it."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # Shopify retries reuse the event id; scoping by shop and topic keeps one event that
        # fans out to two topics from being mistaken for a duplicate.
        UniqueConstraint("shop_domain", "topic", "event_id", name="uq_delivery_event"),
        Index("ix_delivery_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    topic: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str] = mapped_column(String(255))
    webhook_id: Mapped[str | None] = mapped_column(String(255))
    api_version: Mapped[str | None] = mapped_column(String(20))
    triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.RECEIVED)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # After a transient failure, not before: the sweeper and the claim both wait for it.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.topic} {self.status}>"
