"""Program members: a customer joins the first time the program needs their row."""

from datetime import datetime

from sqlalchemy import select, update

from app.extensions import db
from app.models import LoyaltyMember
from app.shopify.discount_codes import new_code
from app.upserts import insert_ignore


def member_of(shop_domain: str, customer_id: int) -> LoyaltyMember | None:
    return db.session.scalar(
        select(LoyaltyMember).where(
            LoyaltyMember.shop_domain == shop_domain, LoyaltyMember.customer_id == customer_id
        )
    )


def ensure_member(shop_domain: str, customer_id: int) -> LoyaltyMember:
    """The customer's member row, made on first need; safe when two requests race to make it."""
    member = member_of(shop_domain, customer_id)
    if member is not None:
        return member
    while not insert_ignore(
        LoyaltyMember,
        {
            "shop_domain": shop_domain,
            "customer_id": customer_id,
            "referral_code": new_code(""),
        },
    ):
        member = member_of(shop_domain, customer_id)
        if member is not None:
            return member
        # Otherwise the referral code was taken by someone else (31^8 codes): draw again.
    return member_of(shop_domain, customer_id)


def lock_member(shop_domain: str, customer_id: int, now: datetime) -> LoyaltyMember:
    """Write the member's row before reading their balance, so that a second redemption of
    the same customer waits for the first to commit (a row lock on PostgreSQL, the single
    writer on SQLite) and then sees its entry."""
    member = ensure_member(shop_domain, customer_id)
    db.session.execute(
        update(LoyaltyMember)
        .where(LoyaltyMember.id == member.id)
        .values(last_redeemed_at=now)
        .execution_options(synchronize_session=False)
    )
    return member
