"""What a platform tells us about a person: an unsubscribe, spread to everywhere else."""

from app.models import PlatformConnection
from app.models.types import utcnow
from app.sync.outbox import consent_subject, queue_sync
from app.sync.suppression import record_suppression


def platform_unsubscribed(connection: PlatformConnection, email: str, reason: str) -> bool:
    """Suppress the address in Baton and on every platform; True if Baton did not know yet."""
    new = record_suppression(connection.shop_domain, email, connection.platform, reason)
    # Every unsubscribe heard is sent on: the person may have re-subscribed in between.
    subject = consent_subject(email, utcnow())
    queue_sync(connection.shop_domain, "suppress", subject)
    # Shopify's consent too, so the store's own emails and every later sync agree.
    queue_sync(connection.shop_domain, "consent", subject, platforms=["shopify"])
    return new
