"""Identity stitching: visitor, cart, checkout, email and Shopify id all lead to one customer.

Profiles join only through what Shopify vouches for: its customer ids (webhooks, imports, the
app proxy's signed logged_in_customer_id), the emails its checkouts, orders and customer
records carry, and cart tokens. An email typed into the pop-up is anyone's to type: it makes
an unverified lead (email_verified false) that never claims, merges into or re-attaches a
vouched profile, and gives way to one that Shopify vouches for with the same address.
"""

import functools

from sqlalchemy import bindparam, select, update

from app.extensions import db
from app.models import Cart, Checkout, CouponCode, Customer, Order, TimelineEvent, Visitor
from app.upserts import dialect_insert, insert_ignore

# Cart attribute the storefront widget writes, so checkouts and orders carry the visitor.
VISITOR_ATTRIBUTE = "_baton_visitor"


def resolve_customer(
    shop_domain: str, shopify_id: int | None, email: str | None
) -> Customer | None:
    """Find or create the one profile for this Shopify id and/or email, as Shopify vouches."""
    if shopify_id is None and email is None:
        return None
    customer = _by_shopify_id(shop_domain, shopify_id) if shopify_id is not None else None
    if customer is None:
        return adopt_or_create(shop_domain, shopify_id, email)
    # A customer already holding the email holds it alone: only a change needs claiming.
    if email is not None and customer.email != email:
        claim_email(customer, email)
    return customer


def adopt_or_create(shop_domain: str, shopify_id: int | None, email: str | None) -> Customer:
    """The profile for a Shopify id Baton has no profile for yet (or for an email alone)."""
    holder = _vouched_holder(shop_domain, email) if email is not None else None
    if holder is not None and (shopify_id is None or holder.shopify_id in (None, shopify_id)):
        # A guest known only by a vouched email becomes the Shopify customer with that email.
        if shopify_id is not None and holder.shopify_id is None:
            holder.shopify_id = shopify_id
            db.session.flush()
        return holder
    # A free email goes into the new row at once; one another Shopify customer still holds
    # is claimed afterwards, which takes it from that stale holder.
    customer = db.session.scalars(
        _new_customer(db.engine.dialect.name),
        {"shop": shop_domain, "customer": shopify_id, "free": email if holder is None else None},
    ).first()
    if customer is None:
        # Another worker made this profile or took the email a moment ago: make or find the
        # row without the email, and claim it below.
        insert_ignore(
            Customer,
            {
                "shop_domain": shop_domain,
                "shopify_id": shopify_id,
                "email": None if shopify_id is not None else email,
            },
        )
        customer = (
            _by_shopify_id(shop_domain, shopify_id)
            if shopify_id is not None
            else _by_email(shop_domain, email)
        )
    if email is not None and customer.email != email:
        claim_email(customer, email)
    return customer


@functools.cache
def _new_customer(dialect_name: str):
    # Built once per database, like _new_lead: every new Shopify customer runs it.
    return (
        dialect_insert(Customer, dialect_name)
        .values(
            shop_domain=bindparam("shop"), shopify_id=bindparam("customer"), email=bindparam("free")
        )
        .on_conflict_do_nothing()
        .returning(Customer)
    )


def lead_profile(shop_domain: str, email: str) -> Customer | None:
    """The unverified lead a storefront-typed email stands for; None when Shopify vouches
    for someone with that address (the play then joins no profile)."""
    # Most players are new: the lead is created and loaded in one statement, and only an
    # address someone already holds (a lead, a customer, a concurrent play) is read back.
    created = _new_lead(db.engine.dialect.name)
    parameters = {"shop": shop_domain, "typed": email}
    holder = db.session.scalars(created, parameters).first() or _by_email(shop_domain, email)
    return holder if holder is not None and not holder.email_verified else None


@functools.cache
def _new_lead(dialect_name: str):
    # Built once per database: every new pop-up lead runs it.
    return (
        dialect_insert(Customer, dialect_name)
        .values(shop_domain=bindparam("shop"), email=bindparam("typed"), email_verified=False)
        .on_conflict_do_nothing()
        .returning(Customer)
    )


def find_customer(shop_domain: str, shopify_id: int) -> Customer | None:
    """The profile of a Shopify customer, if Baton has one; never creates it."""
    return _by_shopify_id(shop_domain, shopify_id)


def claim_email(customer: Customer, email: str) -> None:
    """Give this customer an email Shopify vouches for.

    A guest known only by that vouched email (a checkout without an account) merges in; any
    other holder lets it go, an unverified pop-up lead included, keeping what it has.
    """
    holder = _vouched_holder(customer.shop_domain, email)
    if holder is not None and holder.id != customer.id:
        if holder.shopify_id is None:
            merge_customers(target=customer, source=holder)
        else:
            holder.email = None
            db.session.flush()
    customer.email, customer.email_verified = email, True
    db.session.flush()


def merge_customers(target: Customer, source: Customer) -> None:
    """Move everything known about `source` onto `target`, then remove `source`."""
    for model in (Cart, Checkout, Order, Visitor, TimelineEvent, CouponCode):
        db.session.execute(
            update(model)
            .where(model.customer_id == source.id)
            .values(customer_id=target.id)
            .execution_options(synchronize_session=False)
        )
    for field in ("email_consent_state", "email_consent_opt_in_level", "email_consent_updated_at"):
        if getattr(target, field) is None:
            setattr(target, field, getattr(source, field))
    db.session.delete(source)
    db.session.flush()


def attach_cart(shop_domain: str, cart_token: str, customer_id: int) -> None:
    """Join a cart, and the timeline events recorded on it, to the customer."""
    parameters = {"shop": shop_domain, "cart_of": cart_token, "customer": customer_id}
    for statement in _attach_cart_statements():
        db.session.execute(statement, parameters)


@functools.cache
def _attach_cart_statements():
    # Built once, values as parameters: building them per order cost more than running them.
    return [
        update(table)
        .where(
            table.c.shop_domain == bindparam("shop"),
            column == bindparam("cart_of"),
            table.c.customer_id.is_(None),
        )
        .values(customer_id=bindparam("customer"))
        for table, column in (
            (Cart.__table__, Cart.__table__.c.token),
            (TimelineEvent.__table__, TimelineEvent.__table__.c.cart_token),
        )
    ]


def attach_visitor(
    shop_domain: str,
    visitor_key: str,
    customer_id: int | None = None,
    cart_token: str | None = None,
) -> None:
    """Record a visitor, join it to a customer and a cart; whichever is known joins the rest."""
    insert_ignore(Visitor, {"shop_domain": shop_domain, "visitor_key": visitor_key[:64]})
    if customer_id is None and not cart_token:
        return  # recorded; there is nothing to join it to
    visitor = db.session.scalar(
        select(Visitor).where(
            Visitor.shop_domain == shop_domain, Visitor.visitor_key == visitor_key[:64]
        )
    )
    if customer_id is not None and visitor.customer_id is None:
        visitor.customer_id = customer_id
    if cart_token:
        db.session.execute(
            update(Cart)
            .where(Cart.shop_domain == shop_domain, Cart.token == cart_token)
            .values(visitor_key=visitor.visitor_key)
            .execution_options(synchronize_session=False)
        )
        if visitor.customer_id is not None:
            attach_cart(shop_domain, cart_token, visitor.customer_id)
    db.session.flush()


def _by_shopify_id(shop_domain: str, shopify_id: int) -> Customer | None:
    return db.session.scalar(
        _customer_where("shopify_id"), {"shop": shop_domain, "key": shopify_id}
    )


def _by_email(shop_domain: str, email: str) -> Customer | None:
    return db.session.scalar(_customer_where("email"), {"shop": shop_domain, "key": email})


@functools.cache
def _customer_where(column: str):
    return select(Customer).where(
        Customer.shop_domain == bindparam("shop"), getattr(Customer, column) == bindparam("key")
    )


def _vouched_holder(shop_domain: str, email: str) -> Customer | None:
    """Who holds this email, once an unverified pop-up lead holding it has let it go.

    A typed email never stands in the way of one Shopify vouches for: the lead lets it go
    and keeps its plays, which remember the address they were typed with.
    """
    holder = _by_email(shop_domain, email)
    if holder is None or holder.email_verified:
        return holder
    # Conditional, so a lead that Shopify vouched for a moment ago keeps its address.
    released = db.session.execute(
        update(Customer)
        .where(Customer.id == holder.id, Customer.email_verified.is_(False))
        .values(email=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(holder)
    return None if released else _by_email(shop_domain, email)
