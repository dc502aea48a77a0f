"""The suppression list: addresses Baton must never subscribe, whoever learned it first."""

import hashlib

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, EmailSuppression
from app.upserts import insert_ignore

# Shopify consent states that mean "do not email".
UNSUBSCRIBED_STATES = ("unsubscribed", "redacted", "invalid")


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def suppression_reason(shop_domain: str, email: str) -> str | None:
    """Why this address must not be subscribed, from Baton's list or Shopify's consent."""
    held = db.session.scalar(
        select(EmailSuppression.reason).where(
            EmailSuppression.shop_domain == shop_domain,
            EmailSuppression.email_hash == email_hash(email),
        )
    )
    if held:
        return held
    state = db.session.scalar(
        select(Customer.email_consent_state).where(
            Customer.shop_domain == shop_domain, Customer.email == email.strip().lower()
        )
    )
    return f"{state} in Shopify" if state in UNSUBSCRIBED_STATES else None


def record_suppression(shop_domain: str, email: str, source: str, reason: str) -> bool:
    """Add the address; True when it was not suppressed before."""
    return insert_ignore(
        EmailSuppression,
        {
            "shop_domain": shop_domain,
            "email_hash": email_hash(email),
            "source": source,
            "reason": reason[:120],
        },
    )


def held_hashes(shop_domain: str, emails: list[str]) -> set[str]:
    """The hashes, among these addresses, that must not be subscribed (a page at a time)."""
    hashes = {email_hash(email) for email in emails}
    held = set(
        db.session.scalars(
            select(EmailSuppression.email_hash).where(
                EmailSuppression.shop_domain == shop_domain,
                EmailSuppression.email_hash.in_(hashes),
            )
        )
    )
    unsubscribed = db.session.scalars(
        select(Customer.email).where(
            Customer.shop_domain == shop_domain,
            Customer.email.in_([email.strip().lower() for email in emails]),
            Customer.email_consent_state.in_(UNSUBSCRIBED_STATES),
        )
    )
    return held | {email_hash(email) for email in unsubscribed}
