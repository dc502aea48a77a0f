"""What a platform tells us about a person: an unsubscribe, spread to everywhere else."""

from app.models import PlatformConnection
from app.sync.outbox import queue_sync
from app.sync.suppression import record_suppression


def platform_unsubscribed(connection: PlatformConnection, email: str, reason: str) -> bool:
    """Suppress the address in Baton and on every platform; True if Baton did not know yet."""
    new = record_suppression(connection.shop_domain, email, connection.platform, reason)
    # Tasks are unique per address, so hearing the same unsubscribe again queues nothing.
    queue_sync(connection.shop_domain, "suppress", email)
    # Shopify's consent too, so the store's own emails and every later sync agree.
    queue_sync(connection.shop_domain, "consent", email, platforms=["shopify"])
    return new
