"""What a sync task is about, read from the database when it is sent, in no platform's terms.

A task names its subject (a play id, "<customer id>@<time>", a checkout token, an address);
these functions load what the platforms are told about it now, so a task sent late or twice
still sends the latest state. Each platform shapes the facts its own way.
"""

from sqlalchemy import select

from app.extensions import db
from app.loyalty.earning import active_program
from app.loyalty.facts import loyalty_facts
from app.loyalty.journeys import current_expiry, expiry_occasion
from app.models import (
    Campaign,
    Checkout,
    CouponCode,
    Customer,
    LoyaltyReward,
    Play,
    Prize,
    SyncTask,
)
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


# The loyalty journeys' events, by the first part of their subject; Klaviyo's metric name and
# Mailchimp's event name (letters, digits, dashes and underscores, 30 at most).
LOYALTY_EVENTS = {
    "expiring": ("Baton Points Expiring", "baton_points_expiring"),
    "comeback": ("Baton Comeback Reward", "baton_comeback_reward"),
}


def loyalty_event_of(task: SyncTask) -> dict | None:
    """A journey's event ("expiring:<customer>:<day>", "comeback:<reward id>") as it stands
    now: None once the occasion passed (points spent or lapsed, the code refused)."""
    kind = task.subject.split(":", 1)[0]
    if kind == "expiring":
        return _expiry_event(task)
    if kind == "comeback":
        return _comeback_event(task)
    return None


def _expiry_event(task: SyncTask) -> dict | None:
    customer_id = int(task.subject.split(":")[1])
    customer = _customer(task.shop_domain, customer_id)
    program = active_program(task.shop_domain)
    if customer is None or program is None:
        return None
    now = current_expiry(program, customer_id)
    if now is None or expiry_occasion(customer_id, now[1]) != task.subject:
        return None  # spent, lapsed, or kept alive by an order since: nothing to warn of
    points, ends = now
    return _journey_event(task, customer, {"points": points, "expires_on": ends.date().isoformat()})


def _comeback_event(task: SyncTask) -> dict | None:
    reward = db.session.scalar(
        select(LoyaltyReward).where(
            LoyaltyReward.id == int(task.subject.split(":")[1]),
            LoyaltyReward.shop_domain == task.shop_domain,
        )
    )
    if reward is None or reward.status != "issued":
        return None
    customer = _customer(task.shop_domain, reward.customer_id)
    if customer is None:
        return None
    properties = {
        "code": reward.code,
        "value": str(reward.value),
        "expires_on": reward.ends_at.date().isoformat(),
    }
    return _journey_event(task, customer, properties)


def _journey_event(task: SyncTask, customer: Customer, properties: dict) -> dict:
    metric, name = LOYALTY_EVENTS[task.subject.split(":", 1)[0]]
    return {
        "email": customer.email,
        "metric": metric,
        "name": name,
        "unique_id": f"baton-{task.subject}",
        "time": task.created_at.isoformat(),
        "properties": properties,
    }


def _customer(shop_domain: str, customer_id: int) -> Customer | None:
    customer = db.session.scalar(
        select(Customer).where(Customer.id == customer_id, Customer.shop_domain == shop_domain)
    )
    return customer if customer is not None and customer.email else None
