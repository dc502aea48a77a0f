"""Progress of a bulk import from Shopify: a full backfill or a periodic reconciliation."""

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow


class BackfillRun(db.Model):
    """One run, phase by phase (customers, then orders), with counts for a progress bar."""

    __tablename__ = "backfill_run"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="backfill")  # or "reconcile"
    status: Mapped[str] = mapped_column(String(20), default="queued")
    phase: Mapped[str | None] = mapped_column(String(20))
    operation_id: Mapped[str | None] = mapped_column(String(255))
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    objects_total: Mapped[int] = mapped_column(Integer, default=0)
    objects_done: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def percent(self) -> int:
        """Share of reported objects already applied, for the admin's progress bar."""
        if self.status == "completed":
            return 100
        return min(99, self.objects_done * 100 // self.objects_total) if self.objects_total else 0
