"""Carts, checkouts and orders as Shopify reports them, joined to customers."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow


class Cart(db.Model):
    """A storefront cart; it carries no email, so it joins a customer through others."""

    __tablename__ = "cart"
    __table_args__ = (UniqueConstraint("shop_domain", "token", name="uq_cart_token"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    token: Mapped[str] = mapped_column(String(255))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customer.id", ondelete="SET NULL"), index=True
    )
    visitor_key: Mapped[str | None] = mapped_column(String(64))
    line_items: Mapped[list] = mapped_column(JSON, default=list)
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    currency: Mapped[str | None] = mapped_column(String(3))
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Checkout(db.Model):
    """A checkout; uncompleted and older than the abandonment window, it is abandoned."""

    __tablename__ = "checkout"
    __table_args__ = (
        UniqueConstraint("shop_domain", "token", name="uq_checkout_token"),
        Index("ix_checkout_open", "shop_domain", "completed_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    token: Mapped[str] = mapped_column(String(255))
    cart_token: Mapped[str | None] = mapped_column(String(255), index=True)
    email: Mapped[str | None] = mapped_column(String(320))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customer.id", ondelete="SET NULL"), index=True
    )
    abandoned_checkout_url: Mapped[str | None] = mapped_column(String(2048))
    line_items: Mapped[list] = mapped_column(JSON, default=list)
    subtotal: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    currency: Mapped[str | None] = mapped_column(String(3))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by the email sync when a recovery message went out for this checkout.
    recovery_emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Order(db.Model):
    """A placed order, with the revenue Baton's codes can claim."""

    # "order" is an SQL keyword; a plain name keeps hand-written SQL simple.
    __tablename__ = "shop_order"
    __table_args__ = (
        UniqueConstraint("shop_domain", "shopify_id", name="uq_order_shopify_id"),
        # Journey analytics find a lead's first order by email.
        Index("ix_shop_order_email", "shop_domain", "email"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    shopify_id: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(320))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customer.id", ondelete="SET NULL"), index=True
    )
    cart_token: Mapped[str | None] = mapped_column(String(255))
    checkout_token: Mapped[str | None] = mapped_column(String(255))
    subtotal: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    currency: Mapped[str | None] = mapped_column(String(3))
    discount_codes: Mapped[list] = mapped_column(JSON, default=list)
    financial_status: Mapped[str | None] = mapped_column(String(40))
    placed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the normalised shipping address: referrals refuse a friend who ships to
    # the referrer's address, without Baton keeping the address itself.
    shipping_address_key: Mapped[str | None] = mapped_column(String(64))
    recovered: Mapped[bool] = mapped_column(Boolean, default=False)
    # Completed from a draft order staff made from the shopper's cart (assisted selling).
    assisted: Mapped[bool] = mapped_column(Boolean, default=False)
    source_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PrizeDiscount(db.Model):
    """One Shopify discount holding a prize's codes for one issue day (its lot).

    Shopify ends codes by their discount's endsAt, so codes that must stop together share a
    discount: those a prize hands out on one day, each shown as expiring at the discount's
    end. A prize whose codes never expire has a single open-ended lot.
    """

    __tablename__ = "prize_discount"
    __table_args__ = (UniqueConstraint("prize_id", "lot_key", name="uq_prize_discount_lot"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    # Null once the prize (or its campaign) is deleted: the lot's unissued codes must still go.
    prize_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("prize.id", ondelete="SET NULL"), index=True
    )
    # "2026-11-28+14d": the issue day and the code lifetime it was made for; "open" when
    # codes never expire.
    lot_key: Mapped[str] = mapped_column(String(32))
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shopify_id: Mapped[str | None] = mapped_column(String(255))
    # open: may still hold unissued codes; closed: every unissued code is withdrawn.
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CouponCode(db.Model):
    """A single-use code Baton issued; redeemed by an order, it attributes that revenue."""

    __tablename__ = "coupon_code"
    __table_args__ = (
        UniqueConstraint("shop_domain", "code", name="uq_coupon_code"),
        Index("ix_coupon_code_discount_status", "discount_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    # Stored upper-case: Shopify matches discount codes without regard to case.
    code: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("customer.id", ondelete="SET NULL")
    )
    # Pool codes are created in Shopify ahead of time: available, then issued to one play.
    prize_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("prize.id", ondelete="SET NULL"), index=True
    )
    # pending -> available -> issued; failed (Shopify refused it) and withdrawn (deleted
    # from Shopify unissued: a past issue day, or a campaign that ended) are never handed out.
    status: Mapped[str] = mapped_column(String(20), default="issued")
    # The lot it belongs to, and Shopify's id of the code inside that discount.
    discount_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("prize_discount.id", ondelete="SET NULL")
    )
    shopify_id: Mapped[str | None] = mapped_column(String(255))
    # For a pool code, the lot's end: what the shopper is shown is what Shopify enforces.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    play_id: Mapped[int | None] = mapped_column(BigInteger)
    campaign_id: Mapped[int | None] = mapped_column(BigInteger)
    variant: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    order_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("shop_order.id", ondelete="SET NULL")
    )
    attributed_revenue: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    discount_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
