"""Checkouts from checkouts/create and checkouts/update; uncompleted ones become abandoned."""

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.emails import normalise_email
from app.extensions import db
from app.models import Checkout
from app.profiles.customers import apply_customer
from app.profiles.identity import VISITOR_ATTRIBUTE, attach_cart, attach_visitor, resolve_customer
from app.profiles.timeline import record_event
from app.shopify.webhook_payloads import CheckoutPayload, OrderPayload
from app.sync.outbox import queue_sync
from app.upserts import upsert_if_newer


def apply_checkout(shop_domain: str, payload: CheckoutPayload, observed_at: datetime) -> Checkout:
    """Upsert a checkout and stitch its cart, email and customer together."""
    token = payload.token
    customer = customer_of(shop_domain, payload, observed_at)
    started_at = payload.created_at or observed_at
    checkout, _ = upsert_if_newer(
        Checkout,
        {"shop_domain": shop_domain, "token": token},
        {
            "cart_token": payload.cart_token,
            "email": normalise_email(payload.email),
            "customer_id": customer.id if customer else None,
            "abandoned_checkout_url": payload.abandoned_checkout_url,
            "line_items": payload.line_items,
            "subtotal": payload.subtotal,
            "total": payload.total,
            "currency": payload.currency,
            "completed_at": payload.completed_at,
        },
        payload.updated_at or observed_at,
        inserted_only={"started_at": started_at},
    )
    stitch(shop_domain, payload, customer)
    record_event(
        shop_domain,
        "checkout_started",
        "web",
        started_at,
        f"checkout:{token}:started",
        customer_id=checkout.customer_id,
        cart_token=checkout.cart_token,
        details={"total": str(checkout.total), "currency": checkout.currency},
    )
    if checkout.email and checkout.completed_at is None:
        # Once per token: the platforms' abandoned-checkout journeys start from it.
        queue_sync(shop_domain, "checkout", token)
    return checkout


def customer_of(shop_domain: str, payload: CheckoutPayload | OrderPayload, observed_at: datetime):
    """The customer a checkout or order belongs to, from its customer block or its email."""
    if payload.customer is not None:
        # The block's own fields only: the contact email typed at checkout may be someone
        # else's, and a block without an email is one Shopify redacted or never had.
        return apply_customer(shop_domain, payload.customer, observed_at, partial=True)
    return resolve_customer(shop_domain, None, normalise_email(payload.email))


def stitch(shop_domain: str, payload: CheckoutPayload | OrderPayload, customer) -> None:
    """Join the payload's cart and the widget's visitor to the customer, when known."""
    cart_token = payload.cart_token
    if customer is not None and cart_token:
        attach_cart(shop_domain, cart_token, customer.id)
    visitor_key = payload.attributes.get(VISITOR_ATTRIBUTE)
    if visitor_key:
        attach_visitor(shop_domain, visitor_key, customer.id if customer else None, cart_token)


def abandoned_checkouts(
    shop_domain: str, now: datetime, after: timedelta | None = None
) -> list[Checkout]:
    """Checkouts not completed within the window (BATON_ABANDON_AFTER_MINUTES, default 60)."""
    if after is None:
        after = timedelta(minutes=current_app.config["BATON"].abandon_after_minutes)
    return list(
        db.session.scalars(
            select(Checkout)
            .where(
                Checkout.shop_domain == shop_domain,
                Checkout.completed_at.is_(None),
                Checkout.started_at <= now - after,
            )
            .order_by(Checkout.started_at)
        )
    )
