"""Loyalty: a shop's points rules and each customer's append-only points ledger."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow

# What a ledger entry records. Balances and lifetime figures are sums of entries.
POINTS_KINDS = ("earn", "redeem", "expire", "adjust", "reverse")


class LoyaltyProgram(db.Model):
    """A shop's points rules: what a paid order earns, its bonuses, when points lapse."""

    __tablename__ = "loyalty_program"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Points per unit of the order's currency, on what the customer paid.
    points_per_unit: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("1"))
    first_order_bonus: Mapped[int] = mapped_column(Integer, default=0)
    # Points lapse after this many days without an order; None: they never do.
    expiry_days: Mapped[int | None] = mapped_column(Integer)
    # One reward: this many points buy a code worth reward_value off, valid reward_expiry_days.
    reward_points: Mapped[int] = mapped_column(Integer, default=500)
    reward_value: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("5"))
    reward_expiry_days: Mapped[int] = mapped_column(Integer, default=30)
    # Once per customer: a Shopify account activated, a pop-up signup with consent.
    account_bonus: Mapped[int] = mapped_column(Integer, default=0)
    signup_bonus: Mapped[int] = mapped_column(Integer, default=0)
    # "Your points expire on ..." goes out this many days before they do.
    expiry_warning_days: Mapped[int] = mapped_column(Integer, default=7)
    # A customer with no order for this many days gets a comeback code worth comeback_value;
    # None: no comeback journey.
    comeback_days: Mapped[int | None] = mapped_column(Integer)
    comeback_value: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("5"))
    # Lowest first: [{"name", "min_orders", "min_spend", "free_shipping_monthly"}], counted
    # over the last tier_window_days (app/loyalty/tiers.py).
    tiers: Mapped[list] = mapped_column(JSON, default=list)
    tier_window_days: Mapped[int] = mapped_column(Integer, default=365)
    # Referrals: the referrer earns referral_points when a referred friend's first order is
    # paid; the friend gets a code worth referral_welcome_value. 0 points: no referrals.
    referral_points: Mapped[int] = mapped_column(Integer, default=0)
    referral_welcome_value: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("5"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class PointsEntry(db.Model):
    """One line of a customer's points ledger. Entries are never changed, only added: a
    replayed webhook finds its idempotency key taken and adds nothing."""

    __tablename__ = "points_entry"
    __table_args__ = (
        UniqueConstraint("shop_domain", "idempotency_key", name="uq_points_entry_key"),
        Index("ix_points_entry_customer", "customer_id", "occurred_at"),
        Index("ix_points_entry_order", "shop_domain", "order_shopify_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customer.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # Signed: earn and adjust add, redeem, expire and reverse take away.
    points: Mapped[int] = mapped_column(Integer)
    # What the entry is for: order, first_order, cancellation, staff...
    source: Mapped[str] = mapped_column(String(40))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    order_shopify_id: Mapped[int | None] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoyaltyMember(db.Model):
    """A customer in the shop's program: the referral code their link carries, and the row
    a redemption locks first, so two tabs spending at once take turns."""

    __tablename__ = "loyalty_member"
    __table_args__ = (
        UniqueConstraint("customer_id", name="uq_loyalty_member_customer"),
        UniqueConstraint("shop_domain", "referral_code", name="uq_loyalty_member_referral"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customer.id", ondelete="CASCADE"))
    referral_code: Mapped[str] = mapped_column(String(16))
    # Written by every redemption before it reads the balance: the write is the lock.
    last_redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier: Mapped[str | None] = mapped_column(String(40))
    tier_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The tier whose tag the Shopify customer carries now; the worker brings it to `tier`.
    tagged_tier: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# A reward code's life: its points are spent when it is asked for, the code is confirmed by
# Shopify ("issued") or refused, and then the points come back.
REWARD_STATUSES = ("pending", "issued", "refused")


class LoyaltyReward(db.Model):
    """Points turned into a single-use Shopify code that only this customer can use."""

    __tablename__ = "loyalty_reward"
    __table_args__ = (
        UniqueConstraint("shop_domain", "code", name="uq_loyalty_reward_code"),
        UniqueConstraint("shop_domain", "occasion", name="uq_loyalty_reward_occasion"),
        Index("ix_loyalty_reward_customer", "customer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customer.id", ondelete="CASCADE"))
    points: Mapped[int] = mapped_column(Integer)
    # Amount off, in the shop's currency.
    value: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    code: Mapped[str] = mapped_column(String(64))
    # "amount_off" (value off the order) or "free_shipping" (a tier's perk).
    kind: Mapped[str] = mapped_column(String(20), default="amount_off")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # Who asked: "storefront" (the shopper) or "staff"; or "comeback", a gift of the journey.
    source: Mapped[str] = mapped_column(String(20))
    # A gift's occasion ("comeback:<customer>:<last order day>"): one code per occasion.
    occasion: Mapped[str | None] = mapped_column(String(120))
    shopify_id: Mapped[str | None] = mapped_column(String(255))
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Shopify's words when it refused the code.
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderRefund(db.Model):
    """Money a refund gave back, once per Shopify refund: a tier counts spend net of it."""

    __tablename__ = "order_refund"
    __table_args__ = (
        UniqueConstraint("shop_domain", "refund_id", name="uq_order_refund"),
        Index("ix_order_refund_order", "shop_domain", "order_shopify_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    refund_id: Mapped[int] = mapped_column(BigInteger)
    order_shopify_id: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    refunded_at: Mapped[datetime] = mapped_column(UTCDateTime)


# A referral's life: the friend was welcomed (a code), then completed (their first order
# paid, the referrer credited) or refused (abuse, with the reason the admin explains).
REFERRAL_STATUSES = ("welcomed", "completed", "refused")


class Referral(db.Model):
    """A friend who arrived by a member's referral link, and what became of it."""

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_friend", "shop_domain", "friend_email_key"),
        Index("ix_referral_friend_id", "friend_id"),
        Index("ix_referral_referrer", "referrer_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    referrer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customer.id", ondelete="CASCADE"))
    friend_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customer.id", ondelete="SET NULL")
    )
    # The friend's address as play_key normalises it (case, dots and +tags at Gmail).
    friend_email_key: Mapped[str | None] = mapped_column(String(320))
    visitor_key: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    welcome_reward_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("loyalty_reward.id", ondelete="SET NULL")
    )
    order_shopify_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
