"""What each sync task does on each platform, ending in one Outcome."""

import re

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Campaign,
    Checkout,
    CouponCode,
    Customer,
    PlatformConnection,
    Play,
    Prize,
    SyncTask,
)
from app.models.types import utcnow
from app.sync.klaviyo import KlaviyoAccount, KlaviyoError
from app.sync.mailchimp import MailchimpAudience, MailchimpError
from app.sync.outcomes import SUPPRESSED, Outcome, done
from app.sync.segments import segments_of
from app.sync.suppression import record_suppression, suppression_reason


def client_for(connection: PlatformConnection):
    """The SDK wrapper for a connection, pointed at the fakes when settings say so."""
    settings = current_app.config["BATON"]
    if connection.platform == "klaviyo":
        return KlaviyoAccount(connection.api_key, connection.list_id, settings.klaviyo_base_url)
    return MailchimpAudience(connection.api_key, connection.list_id, settings.mailchimp_base_url)


def perform(task: SyncTask, connection: PlatformConnection) -> Outcome:
    """Run one task against its platform."""
    operation = OPERATIONS[(connection.platform, task.operation)]
    try:
        return operation(client_for(connection), connection, task) or done()
    except (KlaviyoError, MailchimpError) as error:
        if error.outcome.kind == SUPPRESSED:
            _learn_suppression(task, connection, error.outcome.detail)
        return error.outcome


def klaviyo_lead(account: KlaviyoAccount, connection, task) -> Outcome | None:
    lead = _lead(task)
    if lead is None:
        return done("the play is gone or was redacted")
    account.track_lead(lead)
    if not lead["consented"]:
        return done("no consent: event and properties only")
    reason = suppression_reason(task.shop_domain, lead["email"])
    if reason is None:
        reason = account.suppression_of(lead["email"])
        if reason:
            # Klaviyo's subscribe would clear its own suppression: refuse, and remember why.
            record_suppression(task.shop_domain, lead["email"], "klaviyo", reason)
    if reason:
        return done(f"not subscribed: {reason}")
    account.subscribe(lead["email"], f"Baton pop-up: {lead['properties']['campaign']}")
    return None


def mailchimp_lead(audience: MailchimpAudience, connection, task) -> Outcome | None:
    lead = _lead(task)
    if lead is None:
        return done("the play is gone or was redacted")
    reason = suppression_reason(task.shop_domain, lead["email"])
    if reason:
        status = "unsubscribed"
    elif lead["consented"]:
        status = "pending" if connection.double_optin else "subscribed"
    else:
        status = "transactional"
    facts = lead["properties"]
    audience.upsert_lead(
        lead["email"],
        status,
        {
            "COUPON": facts["code"] or "",
            "PRIZE": facts["prize"],
            "CAMPAIGN": facts["campaign"],
        },
        [f"baton-campaign-{_slug(facts['campaign'])}", f"baton-game-{facts['game']}"],
    )
    return done(f"member added as {status} if new")


def klaviyo_suppress(account: KlaviyoAccount, connection, task) -> None:
    account.suppress([task.subject])


def mailchimp_suppress(audience: MailchimpAudience, connection, task) -> None:
    audience.unsubscribe(task.subject)


def klaviyo_checkout(account: KlaviyoAccount, connection, task) -> Outcome | None:
    checkout = _checkout(task)
    if checkout is None:
        return done("no email on the checkout yet")
    account.track_checkout(checkout)
    return None


def mailchimp_checkout(audience: MailchimpAudience, connection, task) -> Outcome | None:
    checkout = _checkout(task)
    if checkout is None:
        return done("no email on the checkout yet")
    try:
        audience.track_event(checkout["email"], "started_checkout", checkout["flat"])
    except MailchimpError as error:
        if "404" in error.outcome.detail:
            return done("not a member of the audience: nothing to journey on")
        raise
    return None


def klaviyo_profile(account: KlaviyoAccount, connection, task) -> Outcome | None:
    profile = _profile(task)
    if profile is None:
        return done("the customer is gone or has no email")
    account.upsert_profile(profile["email"], profile["klaviyo"])
    return None


def mailchimp_profile(audience: MailchimpAudience, connection, task) -> Outcome | None:
    profile = _profile(task)
    if profile is None:
        return done("the customer is gone or has no email")
    audience.upsert_profile(profile["email"], profile["mailchimp"], profile["tags"])
    return None


OPERATIONS = {
    ("klaviyo", "lead"): klaviyo_lead,
    ("mailchimp", "lead"): mailchimp_lead,
    ("klaviyo", "suppress"): klaviyo_suppress,
    ("mailchimp", "suppress"): mailchimp_suppress,
    ("klaviyo", "profile"): klaviyo_profile,
    ("mailchimp", "profile"): mailchimp_profile,
    ("klaviyo", "checkout"): klaviyo_checkout,
    ("mailchimp", "checkout"): mailchimp_checkout,
}


def _lead(task: SyncTask) -> dict | None:
    play = db.session.scalar(
        select(Play).where(Play.id == int(task.subject), Play.shop_domain == task.shop_domain)
    )
    if play is None or not play.email:
        return None
    campaign = db.session.get(Campaign, play.campaign_id)
    prize = db.session.get(Prize, play.prize_id) if play.prize_id else None
    code = (
        db.session.scalar(select(CouponCode).where(CouponCode.play_id == play.id))
        if play.code
        else None
    )
    expires = code.expires_at.isoformat() if code and code.expires_at else None
    properties = {
        "code": play.code,
        "prize": prize.label if prize else "",
        "campaign": campaign.name if campaign else "",
        "game": campaign.game if campaign else "",
        "variant": play.variant_key,
        "expires_at": expires,
    }
    return {
        "play_id": play.id,
        "email": play.email,
        "consented": play.consented,
        "time": play.created_at.isoformat(),
        "properties": properties,
        # Profile properties, so flows and templates can show the code the shopper saw.
        "profile_properties": {
            "baton_code": play.code,
            "baton_prize": properties["prize"],
            "baton_campaign": properties["campaign"],
            "baton_code_expires_at": expires,
        },
    }


def _profile(task: SyncTask) -> dict | None:
    # The subject is "<customer id>@<change time>": one task per change, the latest state sent.
    customer = db.session.scalar(
        select(Customer).where(
            Customer.id == int(task.subject.split("@", 1)[0]),
            Customer.shop_domain == task.shop_domain,
        )
    )
    if customer is None or not customer.email:
        return None
    segments = segments_of(customer, utcnow())
    last_order = customer.last_order_at.isoformat() if customer.last_order_at else None
    spent = str(customer.total_spent or 0)
    return {
        "email": customer.email,
        "klaviyo": {
            "shopify_orders_count": customer.orders_count or 0,
            "shopify_total_spent": spent,
            "shopify_last_order_at": last_order,
            "shopify_tags": [t.strip() for t in (customer.tags or "").split(",") if t.strip()],
        }
        | {f"baton_{name}": on for name, on in segments.items()},
        "mailchimp": {
            "ORDERS": str(customer.orders_count or 0),
            "SPENT": spent,
            "LASTORDER": last_order or "",
        },
        "tags": {f"baton-{name.replace('_', '-')}": on for name, on in segments.items()},
    }


def _checkout(task: SyncTask) -> dict | None:
    checkout = db.session.scalar(
        select(Checkout).where(
            Checkout.shop_domain == task.shop_domain, Checkout.token == task.subject
        )
    )
    if checkout is None or not checkout.email:
        return None
    lines = checkout.line_items or []
    value = float(checkout.total) if checkout.total is not None else None
    properties = {
        "line_items": lines,
        "item_count": sum(int(line.get("quantity") or 0) for line in lines),
        "checkout_url": checkout.abandoned_checkout_url,
        "currency": checkout.currency,
    }
    return {
        "token": checkout.token,
        "email": checkout.email,
        "time": (checkout.source_updated_at or checkout.started_at).isoformat(),
        "value": value,
        "properties": properties,
        "flat": {
            "value": value if value is not None else "",
            "checkout_url": checkout.abandoned_checkout_url or "",
            "item_count": properties["item_count"],
        },
    }


def _learn_suppression(task: SyncTask, connection, detail: str) -> None:
    email = task.subject if task.operation == "suppress" else (_lead(task) or {}).get("email")
    if email:
        record_suppression(task.shop_domain, email, connection.platform, detail[:120])


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "campaign"
