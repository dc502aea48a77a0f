"""Connecting a shop to Klaviyo or Mailchimp: keys checked on save, stored encrypted."""

import secrets

from sqlalchemy import select

from app.errors import ApiError
from app.extensions import db, redis_queues
from app.models import PlatformConnection
from app.sync.klaviyo import KlaviyoAccount, KlaviyoError
from app.sync.mailchimp import MailchimpAudience, MailchimpError, server_of
from app.sync.outcomes import TRANSIENT


def connections_for(shop_domain: str) -> list[PlatformConnection]:
    return list(
        db.session.scalars(
            select(PlatformConnection)
            .where(PlatformConnection.shop_domain == shop_domain)
            .order_by(PlatformConnection.platform)
        )
    )


def connect_klaviyo(shop_domain: str, api_key: str, list_id: str, host: str = ""):
    """Check the key with get_accounts and the list with get_lists, then save."""
    _require(api_key, list_id)
    account = KlaviyoAccount(api_key, list_id, host, redis_queues.connection)
    try:
        account.account_name()
        list_name = account.list_name(list_id)
    except KlaviyoError as error:
        raise _refused("Klaviyo", error.outcome) from error
    if list_name is None:
        raise ApiError(
            400,
            "unknown_list",
            "That Klaviyo account has no such list.",
            fields={"list_id": "is not a list of this account"},
        )
    return _save(shop_domain, "klaviyo", api_key, list_id, list_name)


def connect_mailchimp(
    shop_domain: str, api_key: str, list_id: str, host: str = "", double_optin: bool | None = None
):
    """Ping with the key, read the audience, create COUPON, PRIZE and CAMPAIGN, then save."""
    _require(api_key, list_id)
    _require_data_center(api_key)
    audience = MailchimpAudience(api_key, list_id, host, redis_queues.connection)
    try:
        audience.ping()
        found = audience.audience(list_id)
        audience.ensure_merge_fields()
    except MailchimpError as error:
        raise _refused("Mailchimp", error.outcome) from error
    connection = _save(shop_domain, "mailchimp", api_key, list_id, found["name"])
    # The audience's own setting, unless the merchant asks for double opt-in regardless.
    connection.double_optin = found["double_optin"] or double_optin is True
    if not connection.webhook_secret:
        connection.webhook_secret = secrets.token_urlsafe(24)
    return connection


def lists_for(platform: str, api_key, host: str = "") -> list[dict]:
    """The lists or audiences a key can see, so the merchant picks one instead of typing ids."""
    if not isinstance(api_key, str) or not api_key.strip():
        raise ApiError(
            400, "invalid_connection", "Enter the key first.", fields={"api_key": "is required"}
        )
    try:
        if platform == "klaviyo":
            return KlaviyoAccount(api_key, "", host, redis_queues.connection).lists()
        _require_data_center(api_key)
        return MailchimpAudience(api_key, "", host, redis_queues.connection).audiences()
    except KlaviyoError as error:
        raise _refused("Klaviyo", error.outcome) from error
    except MailchimpError as error:
        raise _refused("Mailchimp", error.outcome) from error


def disconnect(shop_domain: str, platform: str) -> bool:
    connection = db.session.scalar(
        select(PlatformConnection).where(
            PlatformConnection.shop_domain == shop_domain, PlatformConnection.platform == platform
        )
    )
    if connection is None:
        return False
    db.session.delete(connection)
    return True


def _save(shop_domain, platform, api_key, list_id, list_name) -> PlatformConnection:
    connection = db.session.scalar(
        select(PlatformConnection).where(
            PlatformConnection.shop_domain == shop_domain, PlatformConnection.platform == platform
        )
    ) or PlatformConnection(shop_domain=shop_domain, platform=platform)
    connection.api_key, connection.list_id, connection.list_name = api_key, list_id, list_name
    db.session.add(connection)
    return connection


def _require(api_key, list_id) -> None:
    fields = {}
    if not isinstance(api_key, str) or not api_key.strip():
        fields["api_key"] = "is required"
    if not isinstance(list_id, str) or not list_id.strip():
        fields["list_id"] = "is required"
    if fields:
        raise ApiError(400, "invalid_connection", "Fill in the key and the list.", fields=fields)


def _require_data_center(api_key: str) -> None:
    if server_of(api_key) is None:
        raise ApiError(
            400,
            "invalid_key",
            "A Mailchimp API key ends with its data center, such as -us21.",
            fields={"api_key": "must end with the data center, such as -us21"},
        )


def _refused(vendor: str, outcome) -> ApiError:
    # Plain words for the merchant, with the vendor's own message after them.
    if outcome.kind == TRANSIENT:
        return ApiError(
            502, "platform_unavailable", f"{vendor} did not answer; try again. ({outcome.detail})"
        )
    return ApiError(
        400,
        "platform_refused",
        f"{vendor} refused the key or list. ({outcome.detail})",
        fields={"api_key": f"{vendor} refused it"},
    )
