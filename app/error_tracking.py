"""Errors to Sentry when SENTRY_DSN is set (web requests and RQ jobs); nothing sent otherwise.

What leaves: the exception, its stack and the route. Not request bodies (webhooks carry
shoppers' details), cookies, headers with tokens, or the user's address.
"""

import sentry_sdk
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.integrations.rq import RqIntegration

from app.config import Settings


def init(settings: Settings) -> bool:
    """Start reporting to Sentry if a DSN is set; True when it did."""
    if not settings.sentry_dsn or sentry_sdk.get_client().is_active():
        return False
    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        integrations=[
            FlaskIntegration(),
            RqIntegration(),
            # Errors logged by the sweeper or a handler become events; lines do not.
            LoggingIntegration(event_level="ERROR"),
        ],
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        traces_sample_rate=0.0,
        environment="demo" if settings.demo else "production",
    )
    return True
