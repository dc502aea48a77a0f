"""What the widget saw before a play: who was shown a campaign (or held out), and daily counts.

Only engaged visitors ever reach Baton (page views cost nothing), so these rows come from the
offer a trigger asks for and from the widget's batched impression and open events.
"""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow

HOLDOUT = "holdout"


class CampaignExposure(db.Model):
    """A visitor a campaign was offered to, with the variant they got or "holdout".

    One row per campaign and visitor: the first assignment is the one that counts, which is
    what lets orders of exposed and held-out visitors be compared for lift.
    """

    __tablename__ = "campaign_exposure"
    __table_args__ = (UniqueConstraint("campaign_id", "visitor_key", name="uq_exposure_visitor"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    campaign_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    visitor_key: Mapped[str] = mapped_column(String(64))
    variant_key: Mapped[str] = mapped_column(String(32))
    device: Mapped[str | None] = mapped_column(String(20))
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CampaignDailyStat(db.Model):
    """Impressions and opens of a campaign per day, variant and device (unique visitors)."""

    __tablename__ = "campaign_daily_stat"
    __table_args__ = (
        UniqueConstraint("campaign_id", "variant_key", "device", "day", name="uq_daily_stat"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("campaign.id", ondelete="CASCADE"))
    variant_key: Mapped[str] = mapped_column(String(32))
    device: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    impressions: Mapped[int] = mapped_column(Integer, default=0)
    opens: Mapped[int] = mapped_column(Integer, default=0)
