"""A Shopify store that installed Baton, and its encrypted credentials."""

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.crypto import EncryptedText
from app.extensions import db
from app.models.types import BigId, UTCDateTime, utcnow


class Shop(db.Model):
    """One installed (or formerly installed) store, keyed by its myshopify domain."""

    __tablename__ = "shop"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    access_token: Mapped[str | None] = mapped_column(EncryptedText)
    access_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_token: Mapped[str | None] = mapped_column(EncryptedText)
    refresh_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on every token write, so a refresh can compare-and-swap the rotated tokens.
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    scopes: Mapped[str] = mapped_column(Text, default="")
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uninstalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def is_installed(self) -> bool:
        """True while the shop has Baton installed and a token to act with."""
        return self.uninstalled_at is None and self.access_token is not None

    def __repr__(self) -> str:
        # Never include the tokens: reprs end up in logs and tracebacks.
        return f"<Shop {self.domain}>"
