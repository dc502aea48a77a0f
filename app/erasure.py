"""Erasing one person from everything Baton holds for a shop (customers/redact).

First every identifier the shop holds for the person is gathered (a DataSubject: profiles,
emails, phone, Shopify ids, carts, checkouts, visitors, plays, orders), then each table of the
personal-data registry (app/models/personal_data.py) is treated as the registry says, free
text that mentions them is scrubbed, and Redis keys that carry them are deleted. Every query
is held to the requesting shop.
"""

import json
from dataclasses import dataclass, field

from sqlalchemy import case, delete, func, or_, select, update

from app.emails import normalise_email, play_key
from app.extensions import db, redis_queues
from app.models import (
    AssistedDraft,
    BackfillRun,
    CampaignExposure,
    Cart,
    Checkout,
    CouponCode,
    Customer,
    DeliveryStatus,
    EmailBackfill,
    Order,
    Play,
    Referral,
    SyncTask,
    TimelineEvent,
    Visitor,
    WebhookDelivery,
)

REDACTED_BODY = '{"redacted": true}'
REDACTED = "redacted"


@dataclass
class DataSubject:
    """Every identifier one shop holds for one person."""

    shop: str
    customer_ids: list[int] = field(default_factory=list)
    shopify_id: int | None = None
    emails: set[str] = field(default_factory=set)
    phone: str | None = None
    cart_tokens: set[str] = field(default_factory=set)
    checkout_tokens: set[str] = field(default_factory=set)
    visitor_keys: set[str] = field(default_factory=set)
    ips: set[str] = field(default_factory=set)
    play_ids: list[int] = field(default_factory=list)
    order_ids: list[int] = field(default_factory=list)

    def appears_in(self, body: str) -> bool:
        """Whether any value of a stored JSON body is one of this person's, exactly."""
        try:
            payload = json.loads(body)
        except ValueError:
            return False
        return any(self._is_theirs(value) for value in _values(payload))

    def needles(self) -> list[str]:
        """Text any mention would contain, to narrow a search before the exact check."""
        ids = [str(self.shopify_id)] if self.shopify_id else []
        phone = [self.phone] if self.phone else []
        tokens = [*self.cart_tokens, *self.checkout_tokens, *self.visitor_keys]
        return [*self.emails, *ids, *phone, *tokens]

    def _is_theirs(self, value) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return value == self.shopify_id
        if not isinstance(value, str):
            return False
        if normalise_email(value) in self.emails:
            return True
        if value in self.cart_tokens | self.checkout_tokens | self.visitor_keys:
            return True
        if self.phone and _digits(value) == _digits(self.phone):
            return True
        return bool(
            self.shopify_id
            and value in (str(self.shopify_id), f"gid://shopify/Customer/{self.shopify_id}")
        )


def gather(
    shop: str,
    shopify_id: int | None,
    email: str | None,
    phone: str | None,
    order_ids: list[int],
) -> DataSubject:
    """Find every identifier the shop holds for the person Shopify named."""
    subject = DataSubject(shop, shopify_id=shopify_id, phone=phone, order_ids=order_ids)
    found = [Customer.email == email] if email else []
    if shopify_id:
        found.append(Customer.shopify_id == shopify_id)
    customers = (
        db.session.scalars(select(Customer).where(Customer.shop_domain == shop, or_(*found))).all()
        if found
        else []
    )
    subject.customer_ids = [customer.id for customer in customers]
    subject.emails = {e for e in [email, *(c.email for c in customers)] if e}
    subject.play_ids, visitors, subject.ips = _plays(subject)
    subject.cart_tokens, subject.checkout_tokens = _carts_and_checkouts(subject)
    subject.visitor_keys = visitors | _visitors(subject)
    return subject


def erase(subject: DataSubject) -> None:
    """Treat each registered table as the registry says; the figures stay, the person goes."""
    for statement in _statements(subject):
        db.session.execute(statement.execution_options(synchronize_session=False))
    scrub_text(subject)
    scrub_deliveries(subject)
    scrub_redis(subject)


def scrub_deliveries(subject: DataSubject) -> None:
    """Stored bodies are copies too; a waiting one is dropped so it cannot rebuild the profile.

    The database narrows the search (LIKE, its wildcards escaped), then each candidate is
    parsed and matched on exact values, so no one else's delivery is touched.
    """
    needles = subject.needles()
    if not needles:
        return
    candidates = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.body).where(
            WebhookDelivery.shop_domain == subject.shop,
            WebhookDelivery.body != REDACTED_BODY,
            or_(
                *(
                    func.lower(WebhookDelivery.body).contains(n.lower(), autoescape=True)
                    for n in needles
                )
            ),
        )
    ).all()
    matched = [row.id for row in candidates if subject.appears_in(row.body)]
    if matched:
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(matched))
            .values(
                body=REDACTED_BODY,
                error=REDACTED,
                status=case(
                    (
                        WebhookDelivery.status.in_(
                            (DeliveryStatus.RECEIVED, DeliveryStatus.AWAITING_INSTALL)
                        ),
                        DeliveryStatus.IGNORED,
                    ),
                    else_=WebhookDelivery.status,
                ),
            )
            .execution_options(synchronize_session=False)
        )


def scrub_text(subject: DataSubject) -> None:
    """Errors that quote the person (a vendor's words about their address) are cleared."""
    for model, column in (
        (EmailBackfill, EmailBackfill.last_error),
        (BackfillRun, BackfillRun.error),
        (WebhookDelivery, WebhookDelivery.error),
    ):
        mentions = [
            func.lower(column).contains(n.lower(), autoescape=True) for n in subject.needles()
        ]
        if mentions:
            db.session.execute(
                update(model)
                .where(model.shop_domain == subject.shop, or_(*mentions))
                .values({column.key: REDACTED})
                .execution_options(synchronize_session=False)
            )


def scrub_redis(subject: DataSubject) -> None:
    """Keys that carry the person (rate-limit windows by IP, first-seen marks by visitor,
    unused play tokens) are deleted; they would expire, but erasure does not wait."""
    connection = redis_queues.connection
    for value in [*subject.visitor_keys, *subject.ips, *subject.emails]:
        for key in connection.scan_iter(match=f"baton:*{_glob_escape(value)}*", count=500):
            connection.delete(key)
    for key in connection.scan_iter(match="baton:play-token:*", count=500):
        offer = json.loads(connection.get(key) or "{}")
        if offer.get("visitor") in subject.visitor_keys:
            connection.delete(key)


def _statements(subject: DataSubject) -> list:
    shop, ids, emails = subject.shop, subject.customer_ids, subject.emails
    carts, checkouts, visitors = subject.cart_tokens, subject.checkout_tokens, subject.visitor_keys
    plays = subject.play_ids
    play_keys = [key for play in plays for key in (f"play:{play}", f"play:{play}:consent")]
    return [
        delete(TimelineEvent).where(
            TimelineEvent.shop_domain == shop,
            or_(
                TimelineEvent.customer_id.in_(ids),
                TimelineEvent.cart_token.in_(carts),
                TimelineEvent.dedupe_key.in_(play_keys),
            ),
        ),
        delete(AssistedDraft).where(
            AssistedDraft.shop_domain == shop,
            or_(
                AssistedDraft.customer_id.in_(ids),
                AssistedDraft.cart_token.in_(carts),
                func.lower(AssistedDraft.email).in_(emails),
            ),
        ),
        delete(SyncTask).where(SyncTask.shop_domain == shop, _sync_subjects(subject)),
        delete(CampaignExposure).where(
            CampaignExposure.shop_domain == shop, CampaignExposure.visitor_key.in_(visitors)
        ),
        delete(Visitor).where(
            Visitor.shop_domain == shop,
            or_(Visitor.customer_id.in_(ids), Visitor.visitor_key.in_(visitors)),
        ),
        delete(Cart).where(
            Cart.shop_domain == shop, or_(Cart.customer_id.in_(ids), Cart.token.in_(carts))
        ),
        delete(Checkout).where(
            Checkout.shop_domain == shop,
            or_(Checkout.customer_id.in_(ids), Checkout.token.in_(checkouts)),
        ),
        # Orders stay for revenue figures, with nothing that points back at the person.
        update(Order)
        .where(
            Order.shop_domain == shop,
            or_(
                Order.customer_id.in_(ids),
                func.lower(Order.email).in_(emails),
                Order.shopify_id.in_(subject.order_ids),
                Order.cart_token.in_(carts),
            ),
        )
        .values(
            email=None,
            customer_id=None,
            cart_token=None,
            checkout_token=None,
            shipping_address_key=None,
        ),
        delete(Referral).where(
            Referral.shop_domain == shop,
            or_(
                Referral.friend_id.in_(ids),
                Referral.friend_email_key.in_([play_key(email) for email in emails]),
                Referral.visitor_key.in_(visitors),
            ),
        ),
        update(CouponCode)
        .where(CouponCode.shop_domain == shop, CouponCode.customer_id.in_(ids))
        .values(customer_id=None),
        # Plays stay as counts for the campaign's results, with nothing that names the player.
        update(Play)
        .where(Play.shop_domain == shop, Play.id.in_(plays))
        .values(
            customer_id=None,
            email=None,
            email_key=None,
            shopify_customer_id=None,
            visitor_key=None,
            phone=None,
            ip=None,
            user_agent=None,
        ),
        delete(Customer).where(Customer.id.in_(ids)),
    ]


def _sync_subjects(subject: DataSubject):
    # Consent tasks name the address, lead tasks the play, profile tasks "<customer>@<time>",
    # checkout tasks the checkout's token.
    named = [*subject.emails, *map(str, subject.play_ids), *subject.checkout_tokens]
    return or_(
        SyncTask.subject.in_(named),
        *(SyncTask.subject.startswith(f"{c}@") for c in subject.customer_ids),
        *(SyncTask.subject.startswith(f"{e}|", autoescape=True) for e in subject.emails),
    )


def _plays(subject: DataSubject) -> tuple[list[int], set[str], set[str]]:
    found = [Play.customer_id.in_(subject.customer_ids), Play.email.in_(subject.emails)]
    if subject.phone:
        found.append(Play.phone == subject.phone)
    if subject.shopify_id:
        found.append(Play.shopify_customer_id == subject.shopify_id)
    rows = db.session.execute(
        select(Play.id, Play.visitor_key, Play.ip).where(
            Play.shop_domain == subject.shop, or_(*found)
        )
    ).all()
    visitors = {row.visitor_key for row in rows if row.visitor_key}
    return [row.id for row in rows], visitors, {row.ip for row in rows if row.ip}


def _carts_and_checkouts(subject: DataSubject) -> tuple[set[str], set[str]]:
    shop, ids = subject.shop, subject.customer_ids
    checkouts = db.session.execute(
        select(Checkout.token, Checkout.cart_token).where(
            Checkout.shop_domain == shop,
            or_(Checkout.customer_id.in_(ids), Checkout.email.in_(subject.emails)),
        )
    ).all()
    carts = set(
        db.session.scalars(
            select(Cart.token).where(Cart.shop_domain == shop, Cart.customer_id.in_(ids))
        )
    )
    orders = set(
        db.session.scalars(
            select(Order.cart_token).where(
                Order.shop_domain == shop,
                or_(Order.customer_id.in_(ids), Order.shopify_id.in_(subject.order_ids)),
            )
        )
    )
    carts |= {row.cart_token for row in checkouts} | orders
    return {token for token in carts if token}, {row.token for row in checkouts}


def _visitors(subject: DataSubject) -> set[str]:
    shop = subject.shop
    linked = select(Visitor.visitor_key).where(
        Visitor.shop_domain == shop, Visitor.customer_id.in_(subject.customer_ids)
    )
    carts = select(Cart.visitor_key).where(
        Cart.shop_domain == shop, Cart.token.in_(subject.cart_tokens)
    )
    return {key for key in db.session.scalars(linked.union(carts)) if key}


def _values(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _values(value)
    elif isinstance(node, list):
        for item in node:
            yield from _values(item)
    else:
        yield node


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _glob_escape(value: str) -> str:
    return "".join(f"\\{ch}" if ch in "*?[]\\" else ch for ch in value)
