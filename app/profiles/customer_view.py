"""One customer's story across channels, for the support agent's "what has this person already
done with us": pop-up plays and codes, carts, checkouts, orders, consent and the email platforms.
"""

from sqlalchemy import func, or_, select

from app.extensions import db
from app.loyalty.ledger import ledger_of
from app.loyalty.panel import member_panel
from app.models import (
    Campaign,
    Checkout,
    CouponCode,
    Customer,
    Play,
    Prize,
    SyncTask,
    TimelineEvent,
)
from app.models.types import iso, utcnow
from app.sync.platforms import email_platforms
from app.sync.segments import segments_of
from app.sync.suppression import suppression_reason

SEARCH_LIMIT = 25
TIMELINE_LIMIT = 200
POINTS_LIMIT = 50
# One spelling on every screen: events are stored with the channel key "popup".
CHANNEL_LABELS = {"popup": "pop-up"}
SYNC_WORDS = {
    "lead": "Pop-up lead sent",
    "profile": "Profile and segments updated",
    "checkout": "Started Checkout sent",
    "suppress": "Suppressed (unsubscribed)",
}


def search_customers(shop_domain: str, query: str) -> list[Customer]:
    """Customers whose email or name contains the query, most recently seen first."""
    pattern = f"%{query.strip().lower()}%"
    return list(
        db.session.scalars(
            select(Customer)
            .where(
                Customer.shop_domain == shop_domain,
                Customer.deleted_at.is_(None),
                or_(
                    Customer.email.like(pattern),
                    func.lower(
                        func.coalesce(Customer.first_name, "")
                        + " "
                        + func.coalesce(Customer.last_name, "")
                    ).like(pattern),
                ),
            )
            .order_by(Customer.last_order_at.desc().nulls_last(), Customer.id.desc())
            .limit(SEARCH_LIMIT)
        )
    )


def customer_for(shop_domain: str, customer_id: int) -> Customer | None:
    return db.session.scalar(
        select(Customer).where(Customer.id == customer_id, Customer.shop_domain == shop_domain)
    )


def customer_story(customer: Customer) -> dict:
    """The profile, its codes, its segments and a timeline, newest first."""
    plays = _plays(customer)
    codes = _codes(customer, [play.id for play in plays])
    # A play is told once, from the play itself (campaign, prize, code), not also as its event.
    events = [_event_item(e) for e in _timeline_events(customer) if e.kind != "played"]
    events += [_play_item(play) for play in plays]
    events += _sync_items(customer, plays)
    events.sort(key=lambda item: item["at"], reverse=True)
    return {
        "customer": customer_summary(customer),
        "segments": segments_of(customer, utcnow()),
        "suppressed": suppression_reason(customer.shop_domain, customer.email)
        if customer.email
        else None,
        "codes": codes,
        "timeline": events[:TIMELINE_LIMIT],
        # A pop-up lead's consent is recorded with the play, not as Shopify's consent state,
        # until Shopify confirms the address (a typed email proves nothing by itself).
        "popup_consent_at": max(
            (iso(play.created_at) for play in plays if play.consented), default=None
        ),
        "points": _points(customer),
    }


def _points(customer: Customer) -> dict | None:
    """Balance, tier and the latest ledger entries; None for a shop without a program."""
    panel = member_panel(customer)
    if not panel["enabled"] and not panel["lifetime"]:
        return None
    entries = ledger_of(customer.shop_domain, customer.id, limit=POINTS_LIMIT)
    return panel | {
        "entries": [
            {
                "kind": entry.kind,
                "points": entry.points,
                "source": entry.source,
                "order_id": entry.order_shopify_id,
                "at": iso(entry.occurred_at),
            }
            for entry in entries
        ]
    }


def customer_summary(customer: Customer) -> dict:
    return {
        "id": customer.id,
        "email": customer.email,
        "name": " ".join(filter(None, [customer.first_name, customer.last_name])) or None,
        "orders_count": customer.orders_count or 0,
        "total_spent": str(customer.total_spent or 0),
        "last_order_at": iso(customer.last_order_at),
        "email_consent": customer.email_consent_state,
        "sms_consent": customer.sms_consent_state,
    }


def _plays(customer: Customer) -> list[Play]:
    match = [Play.customer_id == customer.id]
    if customer.email:
        match.append(Play.email == customer.email)
    return list(
        db.session.scalars(
            select(Play)
            .where(Play.shop_domain == customer.shop_domain, or_(*match))
            .order_by(Play.id.desc())
            .limit(TIMELINE_LIMIT)
        )
    )


def _codes(customer: Customer, play_ids: list[int]) -> list[dict]:
    now = utcnow()
    rows = db.session.scalars(
        select(CouponCode)
        .where(
            CouponCode.shop_domain == customer.shop_domain,
            or_(CouponCode.customer_id == customer.id, CouponCode.play_id.in_(play_ids)),
        )
        .order_by(CouponCode.id.desc())
    )
    return [
        {
            "code": code.code,
            "status": "redeemed"
            if code.redeemed_at
            else ("expired" if code.expires_at and code.expires_at <= now else "valid"),
            "issued_at": iso(code.issued_at),
            "expires_at": iso(code.expires_at),
            "redeemed_at": iso(code.redeemed_at),
            "revenue": str(code.attributed_revenue) if code.attributed_revenue else None,
        }
        for code in rows
    ]


def _timeline_events(customer: Customer) -> list[TimelineEvent]:
    return list(
        db.session.scalars(
            select(TimelineEvent)
            .where(
                TimelineEvent.shop_domain == customer.shop_domain,
                TimelineEvent.customer_id == customer.id,
            )
            .order_by(TimelineEvent.occurred_at.desc())
            .limit(TIMELINE_LIMIT)
        )
    )


def _event_item(event: TimelineEvent) -> dict:
    return {
        "at": iso(event.occurred_at),
        "channel": CHANNEL_LABELS.get(event.channel, event.channel),
        "kind": event.kind,
        "summary": _event_summary(event.kind, event.details or {}),
        "details": event.details or {},
    }


def _event_summary(kind: str, details: dict) -> str:
    if kind == "order_placed":
        total = (
            f" for {details['total']} {details.get('currency') or ''}"
            if details.get("total")
            else ""
        )
        recovered = " (a recovered checkout)" if details.get("recovered") else ""
        return f"Order {details.get('name') or ''} placed{total}{recovered}".replace("  ", " ")
    if kind == "code_redeemed":
        return f"Code {details.get('code', '')} redeemed"
    if kind == "consent_changed":
        return f"{details.get('channel', 'email').upper()} consent now {details.get('state')}"
    if kind == "popup_consent":
        also = " and SMS" if details.get("sms") else ""
        version = details.get("text_version")
        return f"Agreed to email{also} offers in a pop-up" + (
            f" (consent text {version})" if version else ""
        )
    return {
        "cart_updated": "Cart updated",
        "checkout_started": "Checkout started",
        "customer_deleted": "Customer deleted in Shopify",
    }.get(kind, kind.replace("_", " ").capitalize())


def _play_item(play: Play) -> dict:
    campaign = db.session.get(Campaign, play.campaign_id)
    prize = db.session.get(Prize, play.prize_id) if play.prize_id else None
    won = f"won {prize.label}" if prize else "played"
    code = f" with code {play.code}" if play.code else ""
    return {
        "at": iso(play.created_at),
        "channel": "pop-up",
        "kind": "play",
        "summary": f"{campaign.name if campaign else 'A pop-up'}: {won}{code}",
        "details": {
            "game": campaign.game if campaign else None,
            "variant": play.variant_key,
            "consented": play.consented,
            "device": play.device,
        },
    }


def _sync_items(customer: Customer, plays: list[Play]) -> list[dict]:
    subjects = [SyncTask.subject.like(f"{customer.id}@%") & (SyncTask.operation == "profile")]
    if plays:
        subjects.append(
            SyncTask.subject.in_([str(play.id) for play in plays]) & (SyncTask.operation == "lead")
        )
    if customer.email:
        subjects.append((SyncTask.subject == customer.email) & (SyncTask.operation == "suppress"))
        tokens = select(Checkout.token).where(
            Checkout.shop_domain == customer.shop_domain, Checkout.email == customer.email
        )
        subjects.append(SyncTask.subject.in_(tokens) & (SyncTask.operation == "checkout"))
    tasks = db.session.scalars(
        select(SyncTask)
        .where(
            SyncTask.shop_domain == customer.shop_domain,
            SyncTask.platform.in_([p.name for p in email_platforms()]),
            or_(*subjects),
        )
        .order_by(SyncTask.id.desc())
        .limit(TIMELINE_LIMIT)
    )
    return [
        {
            "at": iso(task.done_at or task.updated_at),
            "channel": "email",
            "kind": f"sync_{task.operation}",
            "summary": _sync_summary(task),
            "details": {"status": task.status, "error": task.last_error},
        }
        for task in tasks
    ]


def _sync_summary(task: SyncTask) -> str:
    words = SYNC_WORDS.get(task.operation, task.operation)
    status = "" if task.status == "done" else f" ({task.status})"
    return f"{task.platform.capitalize()}: {words}{status}"
