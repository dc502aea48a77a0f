"""GDPR requests Shopify forwards to us, kept as an audit trail of what we did."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow


class PrivacyRequest(db.Model):
    """A data request or redaction for one customer, or a whole-shop redaction."""

    __tablename__ = "privacy_request"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("webhook_delivery.id", ondelete="SET NULL"), unique=True, nullable=True
    )
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Shopify customer ids are 64-bit; kept as text so no driver rounds them through a float.
    shopify_customer_id: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(320))
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # For customers/data_request: everything stored about the customer, for the merchant.
    export: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
