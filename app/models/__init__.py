"""Models, one module per aggregate; imported here so Alembic sees every table."""

from app.models.privacy import PrivacyRequest
from app.models.shop import Shop
from app.models.webhook import DeliveryStatus, WebhookDelivery

__all__ = ["DeliveryStatus", "PrivacyRequest", "Shop", "WebhookDelivery"]
