"""Pop-up campaigns: the game, its prizes, A/B variants, and every play."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow

GAMES = ("wheel", "scratch", "giftbox")
PRIZE_KINDS = ("percentage", "fixed_amount", "free_shipping", "none")
STATUSES = ("draft", "live", "paused")


class Campaign(db.Model):
    """One pop-up: a game with prizes, content, triggers, targeting and a schedule."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(255))
    game: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Headline, body, button text, colours, logo; consent text and its version; SMS field.
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    consent: Mapped[dict] = mapped_column(JSON, default=dict)
    triggers: Mapped[dict] = mapped_column(JSON, default=dict)
    targeting: Mapped[dict] = mapped_column(JSON, default=dict)
    frequency: Mapped[dict] = mapped_column(JSON, default=dict)
    suppression: Mapped[dict] = mapped_column(JSON, default=dict)
    holdout_percent: Mapped[int] = mapped_column(Integer, default=0)
    code_prefix: Mapped[str] = mapped_column(String(12), default="BATON")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    prizes: Mapped[list["Prize"]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Prize.position"
    )
    variants: Mapped[list["Variant"]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="Variant.key"
    )

    def is_running(self, now: datetime) -> bool:
        """Live, and inside its schedule."""
        return (
            self.status == "live"
            and (self.starts_at is None or self.starts_at <= now)
            and (self.ends_at is None or now < self.ends_at)
        )


class Variant(db.Model):
    """An A/B variant: a traffic weight and content that overrides the campaign's."""

    __tablename__ = "campaign_variant"
    __table_args__ = (UniqueConstraint("campaign_id", "key", name="uq_variant_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaign.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(32))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    content: Mapped[dict] = mapped_column(JSON, default=dict)

    campaign: Mapped[Campaign] = relationship(back_populates="variants")


class Prize(db.Model):
    """A slice of the wheel (or card, or box): what it gives, how often, and how many."""

    __tablename__ = "prize"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaign.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    weight: Mapped[int] = mapped_column(Integer, default=1)
    # "Only 50 of these": once awarded_count reaches cap, the slice retires.
    cap: Mapped[int | None] = mapped_column(Integer)
    awarded_count: Mapped[int] = mapped_column(Integer, default=0)
    min_subtotal: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    code_expiry_days: Mapped[int | None] = mapped_column(Integer)

    campaign: Mapped[Campaign] = relationship(back_populates="prizes")

    @property
    def retired(self) -> bool:
        """True once the cap is reached."""
        return self.cap is not None and self.awarded_count >= self.cap


class Play(db.Model):
    """One shopper's play: who, which variant, what they won, and their consent."""

    __tablename__ = "play"
    __table_args__ = (
        # One play per campaign per normalised email, per Shopify customer and per visitor.
        UniqueConstraint("campaign_id", "email", name="uq_play_email"),
        # Every spelling of one inbox (capitals, +tags, Gmail's dots) is one play.
        UniqueConstraint("campaign_id", "email_key", name="uq_play_email_key"),
        UniqueConstraint("campaign_id", "shopify_customer_id", name="uq_play_customer"),
        UniqueConstraint("campaign_id", "visitor_key", name="uq_play_visitor"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaign.id", ondelete="CASCADE"))
    variant_key: Mapped[str | None] = mapped_column(String(32))
    prize_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("prize.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customer.id", ondelete="SET NULL")
    )
    email: Mapped[str | None] = mapped_column(String(320))
    email_key: Mapped[str | None] = mapped_column(String(320))
    shopify_customer_id: Mapped[int | None] = mapped_column(BigInteger)
    visitor_key: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str | None] = mapped_column(String(64))
    consented: Mapped[bool] = mapped_column(default=False)
    consent_text_version: Mapped[str | None] = mapped_column(String(32))
    # The optional SMS field: a number in E.164 form, and whether SMS consent was given.
    phone: Mapped[str | None] = mapped_column(String(20))
    sms_consented: Mapped[bool] = mapped_column(default=False)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Text)
    device: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
