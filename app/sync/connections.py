"""A shop's platform connections: made through each platform's own checks, listed, removed."""

from sqlalchemy import select

from app.extensions import db
from app.models import PlatformConnection
from app.problems import Invalid, NotFound
from app.sync.platforms import PLATFORMS, ConnectForm, Platform, email_platforms
from app.sync.platforms.connections import key_problem


def connections_for(shop_domain: str) -> list[PlatformConnection]:
    return list(
        db.session.scalars(
            select(PlatformConnection)
            .where(PlatformConnection.shop_domain == shop_domain)
            .order_by(PlatformConnection.platform)
        )
    )


def email_platform(name: str) -> Platform:
    """A platform a merchant can connect, or a 404 naming those there are."""
    platform = PLATFORMS.get(name)
    if platform is None or not platform.connectable:
        labels = " and ".join(p.label for p in email_platforms())
        raise NotFound("not_found", f"Baton connects {labels}.")
    return platform


def save_connection(shop_domain: str, name: str, body: dict) -> PlatformConnection:
    """Check the key and list with the vendor, then save them (not committed)."""
    return email_platform(name).connect(shop_domain, _form(body))


def lists_for(name: str, api_key) -> list[dict]:
    """The lists or audiences a key can see, so the merchant picks one instead of typing ids."""
    platform = email_platform(name)
    problem = key_problem(api_key) if isinstance(api_key, str) else "is required"
    if problem:
        message = "Enter the key first." if problem == "is required" else "Check the key."
        raise Invalid("invalid_connection", message, fields={"api_key": problem})
    return platform.lists(api_key.strip())


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


def _form(body: dict) -> ConnectForm:
    def text(name: str) -> str:
        value = body.get(name)
        return value if isinstance(value, str) else ""

    return ConnectForm(text("api_key"), text("list_id"), body.get("double_optin") is True)
