"""The unified customer profile, the anonymous visitors that join it, and its timeline."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow

# Shopify's consent states, as its webhooks spell them.
CONSENT_STATES = ("subscribed", "unsubscribed", "not_subscribed", "pending", "redacted", "invalid")


class Customer(db.Model):
    """One person per shop, known by Shopify id, by email, or both."""

    __tablename__ = "customer"
    __table_args__ = (
        UniqueConstraint("shop_domain", "shopify_id", name="uq_customer_shopify_id"),
        UniqueConstraint("shop_domain", "email", name="uq_customer_email"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    # 64-bit Shopify ids: BIGINT, never a float.
    shopify_id: Mapped[int | None] = mapped_column(BigInteger)
    email: Mapped[str | None] = mapped_column(String(320))
    # False for a pop-up lead: an address typed on the storefront, which proves nothing.
    email_verified: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    phone: Mapped[str | None] = mapped_column(String(40))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    tags: Mapped[str] = mapped_column(Text, default="")
    orders_count: Mapped[int] = mapped_column(Integer, default=0)
    total_spent: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_consent_state: Mapped[str | None] = mapped_column(String(20))
    email_consent_opt_in_level: Mapped[str | None] = mapped_column(String(40))
    email_consent_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_consent_state: Mapped[str | None] = mapped_column(String(20))
    sms_consent_opt_in_level: Mapped[str | None] = mapped_column(String(40))
    sms_consent_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Shopify's updated_at of the newest version applied; older deliveries never overwrite.
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Customer {self.id} shopify={self.shopify_id}>"


class Visitor(db.Model):
    """A browser the pop-up widget met, by its anonymous id, until it becomes a customer."""

    __tablename__ = "visitor"
    __table_args__ = (UniqueConstraint("shop_domain", "visitor_key", name="uq_visitor_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    visitor_key: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customer.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TimelineEvent(db.Model):
    """Something that happened to a profile: on which channel, when, and what."""

    __tablename__ = "timeline_event"
    __table_args__ = (
        # The dedupe key makes every writer idempotent: a replay finds its event already there.
        UniqueConstraint("shop_domain", "dedupe_key", name="uq_timeline_dedupe"),
        Index("ix_timeline_customer", "customer_id", "occurred_at"),
        Index("ix_timeline_cart", "shop_domain", "cart_token"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customer.id", ondelete="CASCADE")
    )
    # Cart events happen before anyone is known; stitching later fills customer_id in.
    cart_token: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(255))
