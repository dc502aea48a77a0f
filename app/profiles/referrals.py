"""Referrals: a member's link, the welcome code of the friend who arrives by it, and the
referrer's points once that friend's first order is paid.

Obvious abuse is refused and kept, with its reason, for the admin to read: the referrer's own
account, the referrer's address however it is spelled, a browser the referrer has used, a
friend who already ordered or was already referred, and (when the order comes) a first order
shipped to an address the referrer's orders ship to.
"""

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from app.emails import play_key
from app.extensions import db
from app.loyalty.earning import active_program
from app.loyalty.journeys import Gift, give
from app.loyalty.ledger import record_entry
from app.models import Customer, LoyaltyMember, Order, Play, Referral, Visitor
from app.problems import NotFound
from app.profiles.identity import lead_profile

# Why a referral was refused, as the admin explains it.
REFUSALS = {
    "self_referral": "The friend was signed in as the referrer's own account.",
    "same_email": "The friend's email is the referrer's (ignoring case, dots and +tags).",
    "same_device": "The friend used a browser the referrer has used on this store.",
    "already_referred": "This friend was referred before; a friend is welcomed once.",
    "existing_customer": "The friend had already ordered; referrals bring new customers.",
    "same_address": "The friend's first order ships to an address the referrer's orders use.",
}


def claim_referral(
    shop_domain: str,
    code: str,
    email: str,
    visitor_key: str,
    signed_in_shopify_id: int | None,
    now: datetime,
) -> Referral:
    """Welcome a referred friend with a code, or record why not. Flushes, never commits."""
    program = active_program(shop_domain)
    member = db.session.scalar(
        select(LoyaltyMember).where(
            LoyaltyMember.shop_domain == shop_domain, LoyaltyMember.referral_code == code.upper()
        )
    )
    if program is None or not program.referral_points or member is None:
        raise NotFound("unknown_referral", "This referral link is not valid.")
    referrer = db.session.get(Customer, member.customer_id)
    key = play_key(email)
    referral = Referral(
        shop_domain=shop_domain,
        referrer_id=referrer.id,
        friend_email_key=key,
        visitor_key=visitor_key,
        status="refused",
        created_at=now,
    )
    referral.reason = _refusal(referrer, key, visitor_key, signed_in_shopify_id)
    friend = None
    if referral.reason is None:
        friend = lead_profile(shop_domain, email) or _vouched(shop_domain, email)
        if friend is not None and friend.orders_count:
            referral.reason = "existing_customer"
    if referral.reason is None and friend is not None:
        gift = Gift(
            shop_domain,
            friend.id,
            f"referral-welcome:{key}",
            "referral_welcome",
            "amount_off",
            program.referral_welcome_value,
        )
        referral.welcome_reward_id = give(
            gift, now + timedelta(days=program.reward_expiry_days), now
        )
        if referral.welcome_reward_id is None:
            referral.reason = "already_referred"
        else:
            referral.status, referral.friend_id = "welcomed", friend.id
    db.session.add(referral)
    db.session.flush()
    return referral


def complete_referral(order: Order, now: datetime) -> int | None:
    """A referred friend's first paid order: the referrer earns the program's points, once,
    unless the order ships to the referrer's address. The referrer's id when credited."""
    program = active_program(order.shop_domain)
    if program is None or not program.referral_points or order.customer_id is None:
        return None
    referral = _pending_referral(order)
    if referral is None:
        return None
    referral.order_shopify_id, referral.completed_at = order.shopify_id, now
    referral.friend_id = order.customer_id
    if order.customer_id == referral.referrer_id:
        referral.status, referral.reason = "refused", "self_referral"
    elif _ships_to_referrer(order, referral.referrer_id):
        referral.status, referral.reason = "refused", "same_address"
    else:
        referral.status = "completed"
        record_entry(
            order.shop_domain,
            referral.referrer_id,
            "earn",
            program.referral_points,
            "referral",
            f"referral:{referral.id}",
            now,
            order.shopify_id,
        )
    db.session.flush()
    return referral.referrer_id if referral.status == "completed" else None


def referrals_of(shop_domain: str, limit: int = 200) -> list[Referral]:
    return list(
        db.session.scalars(
            select(Referral)
            .where(Referral.shop_domain == shop_domain)
            .order_by(Referral.created_at.desc(), Referral.id.desc())
            .limit(limit)
        )
    )


def referral_answer(referral: Referral) -> dict:
    return {
        "id": referral.id,
        "referrer_id": referral.referrer_id,
        "friend_id": referral.friend_id,
        "friend_email": referral.friend_email_key,
        "status": referral.status,
        "reason": referral.reason,
        "explanation": REFUSALS.get(referral.reason) if referral.reason else None,
        "order_id": referral.order_shopify_id,
        "created_at": referral.created_at.isoformat(),
        "completed_at": referral.completed_at.isoformat() if referral.completed_at else None,
    }


def _refusal(
    referrer: Customer, key: str, visitor_key: str, signed_in_shopify_id: int | None
) -> str | None:
    if signed_in_shopify_id is not None and signed_in_shopify_id == referrer.shopify_id:
        return "self_referral"
    if referrer.email and play_key(referrer.email) == key:
        return "same_email"
    if visitor_key in _visitor_keys(referrer):
        return "same_device"
    earlier = db.session.scalar(
        select(Referral.id).where(
            Referral.shop_domain == referrer.shop_domain,
            Referral.friend_email_key == key,
            Referral.status.in_(("welcomed", "completed")),
        )
    )
    return "already_referred" if earlier is not None else None


def _visitor_keys(customer: Customer) -> set[str]:
    # Browsers the referrer has used here: visitors joined to the profile, and their plays.
    joined = select(Visitor.visitor_key).where(Visitor.customer_id == customer.id)
    played = select(Play.visitor_key).where(
        Play.customer_id == customer.id, Play.visitor_key.is_not(None)
    )
    return set(db.session.scalars(joined)) | set(db.session.scalars(played))


def _vouched(shop_domain: str, email: str) -> Customer | None:
    return db.session.scalar(
        select(Customer).where(Customer.shop_domain == shop_domain, Customer.email == email)
    )


def _pending_referral(order: Order) -> Referral | None:
    conditions = [Referral.friend_id == order.customer_id]
    if order.email:
        conditions.append(Referral.friend_email_key == play_key(order.email))
    return db.session.scalar(
        select(Referral)
        .where(
            Referral.shop_domain == order.shop_domain,
            Referral.status == "welcomed",
            or_(*conditions),
        )
        .order_by(Referral.id)
        .limit(1)
    )


def _ships_to_referrer(order: Order, referrer_id: int) -> bool:
    if order.shipping_address_key is None:
        return False
    shared = db.session.scalar(
        select(Order.id)
        .where(
            Order.shop_domain == order.shop_domain,
            Order.customer_id == referrer_id,
            Order.shipping_address_key == order.shipping_address_key,
        )
        .limit(1)
    )
    return shared is not None
