"""Carts as they happen: who is shopping right now, with what, and who they are to us.

Identity comes from the stitched profile: a cart's visitor (written by the widget) and its
customer. A shopper is a pop-up lead when that visitor or customer played with an email, a
customer when Shopify knows them, and anonymous otherwise. A lead's email was typed into the
pop-up, so it is shown as unverified, and never matched to a customer by the address alone.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select

from app.extensions import db
from app.loyalty.facts import loyalty_facts_of_many
from app.models import (
    AssistedDraft,
    Campaign,
    CampaignExposure,
    Cart,
    Checkout,
    CouponCode,
    Customer,
    Order,
    Play,
)
from app.models.types import iso, utcnow

MAX_ROWS = 200
IDENTITIES = ("popup_lead", "customer", "anonymous")


@dataclass(frozen=True)
class CartFilters:
    minutes: int = 60
    min_value: float | None = None
    identified: bool | None = None
    has_code: bool | None = None


def has_items():
    """A cart with at least one line: an emptied cart is nobody shopping."""
    return func.json_array_length(Cart.line_items) > 0


def changed_at():
    """When a cart last changed: Shopify's updated_at, or when we first saw it."""
    return func.coalesce(Cart.source_updated_at, Cart.created_at)


def live_version(shop_domain: str, filters: CartFilters) -> str:
    """A short tag that changes whenever the live list could: the basis of the page's ETag.

    Three small aggregates, so a poll that finds nothing new costs almost nothing.
    """
    since = utcnow() - timedelta(minutes=filters.minutes)
    count, newest = db.session.execute(
        select(func.count(Cart.id), func.max(changed_at())).where(
            Cart.shop_domain == shop_domain, changed_at() >= since, has_items()
        )
    ).one()
    last_play = db.session.scalar(select(func.max(Play.id)).where(Play.shop_domain == shop_domain))
    last_draft = db.session.scalar(
        select(func.max(AssistedDraft.updated_at)).where(AssistedDraft.shop_domain == shop_domain)
    )
    raw = f"{count}|{newest}|{last_play}|{last_draft}|{filters}"
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def live_carts(shop_domain: str, filters: CartFilters) -> list[dict]:
    """Carts changed in the last `minutes` and not yet ordered, newest change first, with who
    is shopping."""
    since = utcnow() - timedelta(minutes=filters.minutes)
    ordered = select(Order.id).where(
        Order.shop_domain == Cart.shop_domain, Order.cart_token == Cart.token
    )
    # A cart that became an order needs nobody: live means still shopping.
    query = select(Cart).where(
        Cart.shop_domain == shop_domain, changed_at() >= since, has_items(), ~ordered.exists()
    )
    if filters.min_value is not None:
        query = query.where(Cart.total >= filters.min_value)
    carts = list(db.session.scalars(query.order_by(changed_at().desc()).limit(MAX_ROWS)))
    rows = describe_carts(shop_domain, carts)
    if filters.identified is not None:
        rows = [r for r in rows if (r["identity"] != "anonymous") == filters.identified]
    if filters.has_code is not None:
        rows = [r for r in rows if _usable_code(r) == filters.has_code]
    return rows


def describe_carts(shop_domain: str, carts: list[Cart]) -> list[dict]:
    """Each cart with its shopper's identity, device, source and Baton code, in a few queries."""
    visitors = {cart.visitor_key for cart in carts if cart.visitor_key}
    customer_ids = {cart.customer_id for cart in carts if cart.customer_id}
    customers = {
        customer.id: customer
        for customer in db.session.scalars(select(Customer).where(Customer.id.in_(customer_ids)))
    }
    plays = list(
        db.session.scalars(
            select(Play)
            .where(
                Play.shop_domain == shop_domain,
                or_(Play.visitor_key.in_(visitors), Play.customer_id.in_(customer_ids)),
            )
            .order_by(Play.id.desc())
        )
    )
    devices = dict(
        db.session.execute(
            select(CampaignExposure.visitor_key, CampaignExposure.device).where(
                CampaignExposure.shop_domain == shop_domain,
                CampaignExposure.visitor_key.in_(visitors),
            )
        ).all()
    )
    codes = _codes(shop_domain, [play.code for play in plays if play.code])
    campaigns = dict(
        db.session.execute(
            select(Campaign.id, Campaign.name).where(Campaign.shop_domain == shop_domain)
        ).all()
    )
    drafts = {
        draft.cart_token: draft
        for draft in db.session.scalars(
            select(AssistedDraft).where(
                AssistedDraft.shop_domain == shop_domain,
                AssistedDraft.cart_token.in_([cart.token for cart in carts]),
            )
        )
    }
    loyalty = loyalty_facts_of_many(shop_domain, list(customer_ids))
    rows = []
    for cart in carts:
        customer = customers.get(cart.customer_id)
        play = _play_of(cart, customer, plays)
        code = codes.get(play.code) if play and play.code else None
        rows.append(
            {
                "token": cart.token,
                "items": sum(int(line.get("quantity") or 0) for line in cart.line_items or []),
                "lines": cart.line_items or [],
                "value": str(cart.total or 0),
                "currency": cart.currency,
                "changed_at": iso(cart.source_updated_at or cart.created_at),
                "started_at": iso(cart.created_at),
                "device": (play.device if play and play.device else None)
                or devices.get(cart.visitor_key),
                "source": f"pop-up: {campaigns.get(play.campaign_id, 'a campaign')}"
                if play
                else None,
                "identity": _identity(customer, play),
                "customer": _who(customer, play),
                # The member's standing, for staff to see who they are helping.
                "loyalty": _standing(loyalty.get(cart.customer_id)),
                "code": code,
                "draft": draft_json(drafts[cart.token]) if cart.token in drafts else None,
            }
        )
    return rows


def _standing(facts: dict | None) -> dict | None:
    return {"points": facts["points"], "tier": facts["tier"] or None} if facts else None


def cart_for(shop_domain: str, token: str) -> Cart | None:
    return db.session.scalar(
        select(Cart).where(Cart.shop_domain == shop_domain, Cart.token == token)
    )


def recovery_url(shop_domain: str, token: str) -> str | None:
    """The newest checkout's recovery URL for this cart, if it reached checkout."""
    return db.session.scalar(
        select(Checkout.abandoned_checkout_url)
        .where(
            Checkout.shop_domain == shop_domain,
            Checkout.cart_token == token,
            Checkout.abandoned_checkout_url.is_not(None),
        )
        .order_by(Checkout.started_at.desc())
        .limit(1)
    )


def cart_order(shop_domain: str, token: str) -> Order | None:
    return db.session.scalar(
        select(Order).where(Order.shop_domain == shop_domain, Order.cart_token == token).limit(1)
    )


def draft_json(draft: AssistedDraft) -> dict:
    return {
        "id": draft.id,
        "status": draft.status,
        "name": draft.name,
        "invoice_url": draft.invoice_url,
        "email": draft.email,
        "discount": draft.discount,
        "error": draft.last_error,
        "invoice_sent_at": iso(draft.invoice_sent_at),
        "completed_at": iso(draft.completed_at),
    }


def _usable_code(row: dict) -> bool:
    return row["code"] is not None and row["code"]["status"] == "valid"


def _play_of(cart: Cart, customer: Customer | None, plays: list[Play]) -> Play | None:
    for play in plays:  # newest first
        if (cart.visitor_key and play.visitor_key == cart.visitor_key) or (
            customer and play.customer_id == customer.id
        ):
            return play
    return None


def _identity(customer: Customer | None, play: Play | None) -> str:
    if play is not None and play.email:
        return "popup_lead"
    if customer is not None:
        return "customer"
    return "anonymous"


def _who(customer: Customer | None, play: Play | None) -> dict | None:
    if customer is None and (play is None or not play.email):
        return None
    vouched = customer is not None and customer.email and customer.email_verified
    return {
        # The cart's customer, or the pop-up lead this browser played as (unverified).
        "id": customer.id if customer else (play.customer_id if play else None),
        "email": customer.email if vouched else (play.email if play else None),
        # Only an address Shopify vouches for may address an invoice or a draft order.
        "email_verified": bool(vouched),
        "orders_count": customer.orders_count if customer else 0,
    }


def _codes(shop_domain: str, codes: list[str]) -> dict[str, dict]:
    now = utcnow()
    found = {}
    for coupon in db.session.scalars(
        select(CouponCode).where(CouponCode.shop_domain == shop_domain, CouponCode.code.in_(codes))
    ):
        status = "valid"
        if coupon.redeemed_at:
            status = "redeemed"
        elif coupon.expires_at and coupon.expires_at <= now:
            status = "expired"
        found[coupon.code] = {
            "code": coupon.code,
            "status": status,
            "expires_at": iso(coupon.expires_at),
        }
    return found
