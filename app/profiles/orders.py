"""Orders from orders/create, orders/paid and orders/cancelled: redemption, attribution,
recovery and loyalty points."""

import functools
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from app.emails import normalise_email
from app.extensions import db
from app.loyalty.earning import PAID, settle_order_points
from app.loyalty.tiers import recompute_tier
from app.models import AssistedDraft, Checkout, CouponCode, Customer, Order
from app.profiles.checkouts import customer_of, stitch
from app.profiles.customers import queue_profile_sync
from app.profiles.referrals import complete_referral
from app.profiles.timeline import record_event
from app.shopify.payloads import money
from app.shopify.webhook_payloads import OrderPayload
from app.upserts import upsert_if_newer


def apply_order(shop_domain: str, payload: OrderPayload, observed_at: datetime) -> Order:
    """Upsert an order, close its checkout, redeem Baton's codes and update the customer."""
    order_id = payload.id
    customer = customer_of(shop_domain, payload, observed_at)
    placed_at = payload.created_at or observed_at
    order, _ = upsert_if_newer(
        Order,
        {"shop_domain": shop_domain, "shopify_id": order_id},
        {
            "name": payload.name,
            "email": normalise_email(payload.email),
            "customer_id": customer.id if customer else None,
            "cart_token": payload.cart_token,
            "checkout_token": payload.checkout_token,
            "subtotal": payload.subtotal,
            "total": payload.total,
            "currency": payload.currency,
            "discount_codes": payload.discount_codes,
            "financial_status": payload.financial_status,
            "placed_at": placed_at,
            "cancelled_at": payload.cancelled_at,
            "shipping_address_key": payload.shipping_address_key,
        },
        payload.updated_at or observed_at,
    )
    stitch(shop_domain, payload, customer)
    mark_assisted(shop_domain, order_id)
    order.recovered = _close_checkout(order)
    _redeem_codes(order)
    if customer is not None:
        _update_totals(customer.id)
        first_order = (customer.orders_count or 0) <= 1
        settle_order_points(order, first_order=first_order)
        recompute_tier(shop_domain, customer.id, observed_at)
        if first_order and order.financial_status in PAID and order.cancelled_at is None:
            referrer_id = complete_referral(order, observed_at)
            if referrer_id is not None:
                queue_profile_sync(db.session.get(Customer, referrer_id), observed_at)
        queue_profile_sync(customer, observed_at)
    record_event(
        shop_domain,
        "order_placed",
        "pos" if payload.point_of_sale else "web",
        placed_at,
        f"order:{order_id}:placed",
        customer_id=order.customer_id,
        cart_token=order.cart_token,
        details={
            "name": order.name,
            "total": str(order.total),
            "currency": order.currency,
            "recovered": order.recovered,
        },
    )
    db.session.flush()
    return order


def _close_checkout(order: Order) -> bool:
    """Complete the order's checkout; True when a recovery email preceded the purchase."""
    if not order.checkout_token:
        return False
    closed = db.session.execute(
        _complete_checkout(),
        {"shop": order.shop_domain, "checkout": order.checkout_token, "placed": order.placed_at},
    ).first()
    if closed is None:
        return False
    emailed = closed.recovery_emailed_at
    return emailed is not None and emailed <= (order.placed_at or emailed)


def _redeem_codes(order: Order) -> None:
    # First redeeming order wins; replays match nothing because redeemed_at is set.
    for entry in order.discount_codes or []:
        redeemed = db.session.execute(
            update(CouponCode)
            .where(
                CouponCode.shop_domain == order.shop_domain,
                CouponCode.code == entry["code"].upper(),
                CouponCode.redeemed_at.is_(None),
            )
            .values(
                redeemed_at=order.placed_at,
                order_id=order.id,
                attributed_revenue=order.total,
                discount_amount=money(entry["amount"]),
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if redeemed:
            record_event(
                order.shop_domain,
                "code_redeemed",
                "web",
                order.placed_at,
                f"code:{entry['code'].upper()}:redeemed",
                customer_id=order.customer_id,
                details={
                    "code": entry["code"].upper(),
                    "order": order.name,
                    "revenue": str(order.total),
                },
            )


def _update_totals(customer_id: int) -> None:
    # max() keeps counts Shopify reported for orders placed before Baton was installed.
    count, spent, last = db.session.execute(_totals_of(), {"customer": customer_id}).one()
    customer = db.session.get(Customer, customer_id)
    customer.orders_count = max(customer.orders_count or 0, count)
    customer.total_spent = max(customer.total_spent or 0, money(spent))
    if last is not None and (customer.last_order_at is None or last > customer.last_order_at):
        customer.last_order_at = last


def mark_assisted(shop_domain: str, order_shopify_id: int) -> None:
    """Whichever arrives second, the order or the draft's completion, links the two."""
    cart_token = db.session.scalar(
        _assisted_cart_token(), {"shop": shop_domain, "order": order_shopify_id}
    )
    if cart_token is not None:
        # A draft's order carries no cart token of its own: it finishes the staff's cart.
        db.session.execute(
            update(Order)
            .where(Order.shop_domain == shop_domain, Order.shopify_id == order_shopify_id)
            .values(assisted=True, cart_token=func.coalesce(Order.cart_token, cart_token))
            .execution_options(synchronize_session=False)
        )


# Built once, values as parameters: building a statement per order cost more than running it.
@functools.cache
def _complete_checkout():
    # One statement: the checkout keeps the first completion, and says if it was emailed.
    table = Checkout.__table__
    return (
        update(table)
        .where(table.c.shop_domain == bindparam("shop"), table.c.token == bindparam("checkout"))
        .values(completed_at=func.coalesce(table.c.completed_at, bindparam("placed")))
        .returning(table.c.recovery_emailed_at)
    )


@functools.cache
def _totals_of():
    return select(
        func.count(), func.coalesce(func.sum(Order.total), 0), func.max(Order.placed_at)
    ).where(Order.customer_id == bindparam("customer"), Order.cancelled_at.is_(None))


@functools.cache
def _assisted_cart_token():
    return select(AssistedDraft.cart_token).where(
        AssistedDraft.shop_domain == bindparam("shop"),
        AssistedDraft.order_shopify_id == bindparam("order"),
    )
