"""Customers and their consent, from customer topics and the blocks inside checkouts/orders."""

import functools
from datetime import datetime

from sqlalchemy import bindparam, func, update

from app.emails import normalise_email
from app.extensions import db
from app.loyalty.earning import award_bonus
from app.models import CONSENT_STATES, Customer
from app.profiles.identity import adopt_or_create, claim_email, find_customer, resolve_customer
from app.profiles.timeline import record_event
from app.shopify.webhook_payloads import Consent, ConsentUpdate, CustomerDeletion, CustomerPayload
from app.sync.outbox import consent_subject, queue_sync
from app.sync.suppression import UNSUBSCRIBED_STATES, record_suppression
from app.upserts import update_if_newer


def apply_customer(
    shop_domain: str, payload: CustomerPayload, observed_at: datetime, partial: bool = False
) -> Customer | None:
    """Upsert a customer payload; `partial` (embedded blocks) never clears a field with null."""
    version = payload.updated_at or observed_at
    customer = _customer_for(shop_domain, payload, version, partial)
    if customer is None:
        return None
    values = _profile_values(payload, partial)
    if values and partial:
        _fill_blanks(customer, values)
    elif values:
        update_if_newer(Customer, {"id": customer.id}, values, version)
    if values:
        # Written past the ORM: read again only if asked for (order totals read the counts).
        db.session.expire(customer, list(values))
    apply_consent(customer, "email", payload.email_consent, observed_at)
    apply_consent(customer, "sms", payload.sms_consent, observed_at)
    db.session.flush()
    if payload.account_state == "enabled":
        award_bonus(shop_domain, customer.id, "account", version)
    if not partial:
        queue_profile_sync(customer, observed_at)
    return customer


def queue_profile_sync(customer: Customer, changed_at: datetime) -> None:
    """The platforms get the profile's latest state after each change (replays add nothing)."""
    queue_sync(customer.shop_domain, "profile", f"{customer.id}@{changed_at.isoformat()}")


def apply_consent_update(shop_domain: str, payload: ConsentUpdate, observed_at: datetime) -> None:
    """customers_email_marketing_consent/update: nulls (as in Shopify's sample) change nothing."""
    if payload.consent is None:
        return
    customer = resolve_customer(shop_domain, payload.customer_id, normalise_email(payload.email))
    if customer is not None:
        apply_consent(customer, "email", payload.consent, observed_at)


def apply_consent(
    customer: Customer, channel: str, consent: Consent | None, observed_at: datetime
) -> bool:
    """Record a consent state unless a newer one is already held; True when it changed."""
    if consent is None:
        return False
    state = consent.state
    if state not in CONSENT_STATES:
        raise ValueError(f"unknown consent state {state!r}")
    at = consent.updated_at or observed_at
    columns = {
        f"{channel}_consent_state": state,
        f"{channel}_consent_opt_in_level": consent.opt_in_level,
    }
    version_column = f"{channel}_consent_updated_at"
    changed = update_if_newer(Customer, {"id": customer.id}, columns, at, version_column)
    columns[version_column] = at
    if changed and channel == "email" and state in UNSUBSCRIBED_STATES and customer.email:
        # Nobody who unsubscribed in Shopify is ever subscribed again, on any platform.
        record_suppression(customer.shop_domain, customer.email, "shopify", f"{state} in Shopify")
        queue_sync(customer.shop_domain, "suppress", consent_subject(customer.email, at))
    if changed:
        record_event(
            customer.shop_domain,
            "consent_changed",
            "shopify",
            at,
            f"consent:{customer.id}:{channel}:{state}:{at.isoformat()}",
            customer_id=customer.id,
            details={
                "channel": channel,
                "state": state,
                "opt_in_level": consent.opt_in_level,
            },
        )
    # Only what the UPDATE wrote is read again; the rest of the row is still current.
    db.session.expire(customer, list(columns))
    return bool(changed)


def delete_customer(shop_domain: str, payload: CustomerDeletion, observed_at: datetime) -> None:
    """customers/delete: Shopify deleted the record; the profile keeps its history."""
    customer_id = payload.id
    # Looked up, never created: a deletion says nothing about someone Baton never met.
    customer = find_customer(shop_domain, customer_id) if customer_id else None
    if customer is None or customer.deleted_at is not None:
        return
    customer.deleted_at = observed_at
    record_event(
        shop_domain,
        "customer_deleted",
        "shopify",
        observed_at,
        f"customer-deleted:{customer.id}",
        customer_id=customer.id,
    )
    db.session.flush()


def _customer_for(
    shop_domain: str, payload: CustomerPayload, version, partial: bool
) -> Customer | None:
    # The email is versioned like every other field: an older update must not bring back an
    # address the customer has since changed, and a block without updated_at only fills a gap.
    customer_id = payload.id
    email = normalise_email(payload.email)
    known = find_customer(shop_domain, customer_id) if customer_id is not None else None
    if known is None:
        if customer_id is None and email is None:
            return None
        return adopt_or_create(shop_domain, customer_id, email)
    newer = (
        known.email is None
        if partial
        else known.source_updated_at is None or known.source_updated_at <= version
    )
    if email is not None and email != known.email and newer:
        claim_email(known, email)
    return known


def _fill_blanks(customer: Customer, values: dict) -> None:
    # A block embedded in a checkout or order has no updated_at of its own, so it cannot
    # claim to be newer than anything: it only fills fields the profile does not have yet.
    params = {f"v_{column}": value for column, value in values.items()}
    db.session.execute(_fill_blanks_statement(tuple(values)), params | {"customer": customer.id})


@functools.cache
def _fill_blanks_statement(columns: tuple):
    table = Customer.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("customer"))
        .values({name: func.coalesce(table.c[name], bindparam(f"v_{name}")) for name in columns})
    )


def _profile_values(payload: CustomerPayload, partial: bool) -> dict:
    values = {
        field: value if field != "tags" else (value or "")
        for field, value in payload.profile.items()
        if not (partial and value is None)
    }
    if payload.orders_count is not None:
        values["orders_count"] = payload.orders_count
    if payload.total_spent is not None:
        values["total_spent"] = payload.total_spent
    return values
