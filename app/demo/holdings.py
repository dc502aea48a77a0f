"""The demo's "what Klaviyo and Mailchimp now hold for this email" page.

It sets what Baton recorded for an address (its codes and consent) beside what each of the
demo's platform stand-ins (app/demo/vendors.py) now keeps, read from the stand-ins
themselves, so a newcomer sees the code the shopper won arrive on both platforms unchanged.
"""

import logging

import requests
from flask import Blueprint, current_app, request
from sqlalchemy import func, select

from app.admin.pages import render_page
from app.demo import DEMO_SHOP
from app.demo.admin import MODE
from app.demo.vendors import HOLDINGS
from app.extensions import db
from app.models import Customer
from app.profiles.customer_view import customer_story

bp = Blueprint("demo_holdings", __name__)
log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5


@bp.get("/demo/admin/holdings")
def holdings():
    email = request.args.get("email", "").strip()
    baton = _baton_holds(email) if email else None
    codes = [code["code"] for code in baton["codes"]] if baton else []
    settings = current_app.config["BATON"]
    platforms = []
    if email:
        platforms = [
            _platform("Klaviyo", settings.klaviyo_base_url, email, codes),
            _platform("Mailchimp", settings.mailchimp_base_url.removesuffix("/3.0"), email, codes),
        ]
    return render_page(
        "customers",
        DEMO_SHOP,
        MODE,
        "demo/holdings.html",
        title="What Klaviyo and Mailchimp hold",
        email=email,
        baton=baton,
        platforms=platforms,
    )


def _baton_holds(email: str) -> dict | None:
    customer = db.session.scalar(
        select(Customer).where(
            Customer.shop_domain == DEMO_SHOP,
            func.lower(Customer.email) == email.lower(),
            Customer.deleted_at.is_(None),
        )
    )
    return customer_story(customer) if customer else None


def _platform(name: str, base_url: str, email: str, codes: list[str]) -> dict:
    """What one stand-in holds, and where in it each of Baton's codes appears."""
    found = {"name": name, "holds": None, "problem": None, "codes": {}}
    if not base_url:
        found["problem"] = f"The demo's {name} is not configured (make run starts it)."
        return found
    try:
        answer = requests.get(base_url + HOLDINGS, params={"email": email}, timeout=TIMEOUT_SECONDS)
        answer.raise_for_status()
        found["holds"] = answer.json()
    except (requests.RequestException, ValueError) as error:
        # The request URL carries the email: the log gets the address and the class only.
        log.warning("demo %s at %s did not answer: %s", name, base_url, type(error).__name__)
        found["problem"] = f"The demo's {name} did not answer. Is `make run` still running?"
        return found
    found["codes"] = {code: list(_places(found["holds"], code)) for code in codes}
    return found


def _places(document, value: str, path: str = ""):
    """Where `value` occurs in a JSON document, as readable paths; list items go by their
    event metric or audience name, so a path reads "events › Baton Popup Won › properties"."""
    if isinstance(document, dict):
        for key, item in document.items():
            yield from _places(item, value, f"{path} › {key}" if path else key)
    elif isinstance(document, list):
        for item in document:
            name = (item.get("metric") or item.get("name")) if isinstance(item, dict) else None
            yield from _places(item, value, f"{path} › {name}" if name else path)
    elif document == value:
        yield path
