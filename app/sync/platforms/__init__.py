"""The platforms Baton syncs to, by name: the only place that knows which exist.

Each module here implements base.Platform. To add one, write its module (its SDK wrapper
beside it, if it has one), add its instance below, and add its fake under app/demo/ (as
klaviyo_fake.py is): the admin, the outbox, the sync and backfill jobs and the sweeper reach
it through this registry.
"""

from app.sync.platforms.base import ConnectForm, Platform, PlatformError
from app.sync.platforms.klaviyo import KLAVIYO
from app.sync.platforms.mailchimp import MAILCHIMP
from app.sync.platforms.shopify_consent import SHOPIFY_CONSENT

PLATFORMS: dict[str, Platform] = {p.name: p for p in (KLAVIYO, MAILCHIMP, SHOPIFY_CONSENT)}


def email_platforms() -> list[Platform]:
    """The platforms a merchant connects with a key, in the registry's order."""
    return [platform for platform in PLATFORMS.values() if platform.connectable]


__all__ = ["PLATFORMS", "ConnectForm", "Platform", "PlatformError", "email_platforms"]
