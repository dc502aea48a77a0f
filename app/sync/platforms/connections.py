"""What connecting any platform shares: the form's checks, the refusal's words, the saved row."""

from sqlalchemy import select

from app.extensions import db
from app.models import PlatformConnection
from app.problems import Invalid, Upstream
from app.sync.outcomes import TRANSIENT, Outcome
from app.sync.platforms.base import ConnectForm


def require_form(form: ConnectForm) -> None:
    """Both the key and the list, or a 400 naming what is missing."""
    fields = {}
    if not form.api_key.strip():
        fields["api_key"] = "is required"
    if not form.list_id.strip():
        fields["list_id"] = "is required"
    if fields:
        raise Invalid("invalid_connection", "Fill in the key and the list.", fields=fields)


def refused(label: str, outcome: Outcome) -> Exception:
    """The vendor's answer in plain words for the merchant, its own message after them."""
    if outcome.kind == TRANSIENT:
        return Upstream(
            "platform_unavailable", f"{label} did not answer; try again. ({outcome.detail})"
        )
    return Invalid(
        "platform_refused",
        f"{label} refused the key or list. ({outcome.detail})",
        fields={"api_key": f"{label} refused it"},
    )


def save_connection(
    shop_domain: str, platform: str, form: ConnectForm, list_name: str
) -> PlatformConnection:
    """Create or update the shop's connection to the platform (the key is encrypted at rest)."""
    connection = db.session.scalar(
        select(PlatformConnection).where(
            PlatformConnection.shop_domain == shop_domain, PlatformConnection.platform == platform
        )
    ) or PlatformConnection(shop_domain=shop_domain, platform=platform)
    connection.api_key, connection.list_id = form.api_key, form.list_id
    connection.list_name = list_name
    db.session.add(connection)
    return connection
