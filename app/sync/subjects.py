"""What a sync task is about, read from the database when it is sent, in no platform's terms.

A task names its subject (a play id, "<customer id>@<time>", a checkout token, an address);
these functions load what the platforms are told about it now, so a task sent late or twice
still sends the latest state. Each platform shapes the facts its own way.
"""

from sqlalchemy import select

from app.extensions import db
from app.loyalty.facts import loyalty_facts
from app.models import Campaign, Checkout, CouponCode, Customer, Play, Prize, SyncTask
from app.models.types import utcnow
from app.sync.outbox import subject_email
from app.sync.profile_facts import profile_facts
from app.sync.segments import segments_of
from app.sync.suppression import record_suppression


def lead_of(task: SyncTask) -> dict | None:
    """A play's lead: its address, consent, time and what it won; None once it is gone."""
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
    return {
        "play_id": play.id,
        "email": play.email,
        "consented": play.consented,
        "time": play.created_at.isoformat(),
        "code": play.code,
        "prize": prize.label if prize else "",
        "campaign": campaign.name if campaign else "",
        "game": campaign.game if campaign else "",
        "variant": play.variant_key,
        "expires_at": code.expires_at.isoformat() if code and code.expires_at else None,
    }


def profile_of(task: SyncTask) -> dict | None:
    """A customer's latest facts and segments; None when gone or without an address."""
    # The subject is "<customer id>@<change time>": one task per change, the latest state sent.
    customer = db.session.scalar(
        select(Customer).where(
            Customer.id == int(task.subject.split("@", 1)[0]),
            Customer.shop_domain == task.shop_domain,
        )
    )
    if customer is None or not customer.email:
        return None
    loyalty = loyalty_facts(customer.shop_domain, customer.id)
    return profile_facts(customer, segments_of(customer, utcnow()), loyalty)


def checkout_of(task: SyncTask) -> dict | None:
    """A started checkout with an address: its lines, value and recovery link."""
    checkout = db.session.scalar(
        select(Checkout).where(
            Checkout.shop_domain == task.shop_domain, Checkout.token == task.subject
        )
    )
    if checkout is None or not checkout.email:
        return None
    lines = checkout.line_items or []
    return {
        "token": checkout.token,
        "email": checkout.email,
        "time": (checkout.source_updated_at or checkout.started_at).isoformat(),
        "value": float(checkout.total) if checkout.total is not None else None,
        "currency": checkout.currency,
        "line_items": lines,
        "item_count": sum(int(line.get("quantity") or 0) for line in lines),
        "checkout_url": checkout.abandoned_checkout_url,
    }


def learn_suppression(task: SyncTask, platform: str, detail: str) -> None:
    """A platform refused an address as suppressed: Baton's list remembers it."""
    email = (
        subject_email(task.subject)
        if task.operation == "suppress"
        else (lead_of(task) or {}).get("email")
    )
    if email:
        record_suppression(task.shop_domain, email, platform, detail[:120])
