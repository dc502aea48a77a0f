"""Mailchimp list webhooks: unsubscribes and cleaned addresses flow back into Baton.

Mailchimp signs nothing, so each connection's URL carries a secret; Mailchimp checks a new
URL with a GET, which is answered here too.
"""

import hmac

from flask import Blueprint, request

from app.emails import normalise_email
from app.errors import ApiError
from app.extensions import db
from app.models import PlatformConnection
from app.sync.platform_events import platform_unsubscribed

bp = Blueprint("mailchimp_webhooks", __name__, url_prefix="/webhooks/mailchimp")
EVENTS = {"unsubscribe": "unsubscribed in Mailchimp", "cleaned": "cleaned by Mailchimp"}


@bp.route("/<int:connection_id>/<secret>", methods=["GET", "POST"])
def receive(connection_id: int, secret: str):
    """Verify the URL's secret, then record the unsubscribe; other events are acknowledged."""
    connection = db.session.get(PlatformConnection, connection_id)
    expected = connection.webhook_secret if connection else None
    # Bytes: compare_digest refuses str with non-ASCII characters, and a URL may hold any.
    if not expected or not hmac.compare_digest(expected.encode(), secret.encode()):
        raise ApiError(404, "not_found", "No such webhook.")
    if request.method == "GET":
        return "", 200  # Mailchimp's check that the URL exists
    kind = request.form.get("type", "")
    email = normalise_email(request.form.get("data[email]"))
    if kind in EVENTS:
        if email is None:
            raise ApiError(400, "invalid_email", "data[email] is missing or not an address.")
        if request.form.get("data[list_id]") not in (None, connection.list_id):
            raise ApiError(400, "wrong_list", "This URL belongs to another audience.")
        platform_unsubscribed(connection, email, EVENTS[kind])
        db.session.commit()
    return "", 200
