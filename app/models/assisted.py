"""Assisted selling: a draft order staff made from a shopper's live cart."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow


class AssistedDraft(db.Model):
    """One per cart: the row is written before Shopify is asked, so a double click makes one
    draft order. Statuses: creating, open, invoice_sent, completed, failed (can try again)."""

    __tablename__ = "assisted_draft"
    __table_args__ = (UniqueConstraint("shop_domain", "cart_token", name="uq_assisted_cart"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    cart_token: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(20), default="creating")
    draft_order_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    name: Mapped[str | None] = mapped_column(String(64))
    invoice_url: Mapped[str | None] = mapped_column(String(2048))
    email: Mapped[str | None] = mapped_column(String(320))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    line_items: Mapped[list] = mapped_column(JSON, default=list)
    # {"code": "SPIN-…"} for the shopper's Baton code, or {"percentage": 10} / {"amount": "5"}.
    discount: Mapped[dict] = mapped_column(JSON, default=dict)
    total: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    order_shopify_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    invoice_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
