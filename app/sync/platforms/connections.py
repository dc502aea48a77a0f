"""What connecting any platform shares: the form's checks, the refusal's words, the saved row."""

import logging
import re

from sqlalchemy import select

from app.extensions import db
from app.models import PlatformConnection
from app.problems import Invalid, Upstream
from app.sync.outcomes import TRANSIENT, Outcome
from app.sync.platforms.base import ConnectForm

log = logging.getLogger(__name__)


# Keys travel in an HTTP header: printable ASCII without spaces, as every platform issues them.
KEY_SHAPE = re.compile(r"[\x21-\x7e]{1,200}")
KEY_SHAPE_PROBLEM = "must be the key exactly as your platform shows it, with no spaces"


def key_problem(api_key: str) -> str | None:
    """Why this cannot be an API key, or None; checked before it goes near a header."""
    if not api_key.strip():
        return "is required"
    return None if KEY_SHAPE.fullmatch(api_key.strip()) else KEY_SHAPE_PROBLEM


def require_form(form: ConnectForm) -> None:
    """Both the key and the list, or a 400 naming what is missing."""
    fields = {}
    problem = key_problem(form.api_key)
    if problem:
        fields["api_key"] = problem
    if not form.list_id.strip():
        fields["list_id"] = "is required"
    if fields:
        raise Invalid("invalid_connection", "Fill in the key and the list.", fields=fields)


def refused(label: str, outcome: Outcome) -> Exception:
    """What went wrong and what to do, in the merchant's words; the vendor's detail (status
    codes, hosts, exception names) goes to the log only."""
    log.warning("%s connection check failed: %s", label, outcome.detail)
    if outcome.kind == TRANSIENT:
        return Upstream("platform_unavailable", _unavailable(label, outcome.status))
    if outcome.status == 404:
        return Invalid(
            "platform_refused",
            f"{label} has no list or audience with that id. Pick one from the list, then save.",
            fields={"list_id": f"{label} has no such list"},
        )
    return Invalid(
        "platform_refused",
        f"{label} did not accept this key. Copy the whole private API key, one with read and"
        f" write access, from your {label} account, then save.",
        fields={"api_key": f"{label} did not accept it"},
    )


def _unavailable(label: str, status: int) -> str:
    if status == 0:
        return (
            f"Baton could not reach {label}. Check that this server can connect to the"
            " internet, then try again."
        )
    if status == 429:
        return f"{label} asked Baton to slow down. Wait a minute, then try again."
    return f"{label} is having trouble right now. Try again in a few minutes."


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
