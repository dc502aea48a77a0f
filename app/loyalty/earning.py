"""Points from orders: a paid order earns once; a cancelled or refunded one gives back what
the money returned had earned."""

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import select

from app.extensions import db
from app.loyalty.ledger import order_points, record_entry
from app.loyalty.program import program_of
from app.models import LoyaltyProgram, Order
from app.shopify.webhook_payloads import RefundPayload


class OrderNotYetKnown(Exception):
    """A refund for an order Baton has not stored yet: retried later, never dropped."""


# Shopify's financial_status once the money is taken (orders/paid sends "paid").
PAID = frozenset({"paid"})


def active_program(shop_domain: str) -> LoyaltyProgram | None:
    """The shop's program when it is switched on."""
    program = program_of(shop_domain)
    return program if program is not None and program.enabled else None


def points_for(amount: Decimal, points_per_unit: Decimal) -> int:
    """Whole points for an amount paid: fractions of a point are never given."""
    return int((amount * points_per_unit).to_integral_value(rounding=ROUND_FLOOR))


def settle_order_points(order: Order, first_order: bool) -> None:
    """Bring the ledger in line with the order as stored (the newest state Shopify sent).

    Keys are per order, so orders/create, orders/paid and their replays earn once; an
    order stored as cancelled reverses whatever it earned, the first-order bonus included.
    """
    if order.customer_id is None:
        return  # a guest checkout: no member to credit
    program = active_program(order.shop_domain)
    if program is None:
        return
    shop, order_id = order.shop_domain, order.shopify_id
    if order.cancelled_at is not None:
        earned = order_points(shop, order_id)
        if earned > 0:
            record_entry(
                shop,
                order.customer_id,
                "reverse",
                -earned,
                "cancellation",
                f"order:{order_id}:reverse",
                order.cancelled_at,
                order_id,
            )
        return
    if order.financial_status not in PAID:
        return
    placed_at = order.placed_at
    earned = points_for(order.total, program.points_per_unit)
    if earned > 0:
        key = f"order:{order_id}:earn"
        record_entry(shop, order.customer_id, "earn", earned, "order", key, placed_at, order_id)
    if first_order and program.first_order_bonus > 0:
        # Keyed by the customer, not the order: a second "first" order earns no bonus.
        key = f"customer:{order.customer_id}:first-order"
        bonus = program.first_order_bonus
        record_entry(
            shop, order.customer_id, "earn", bonus, "first_order", key, placed_at, order_id
        )


# Once-per-customer bonuses, by the program setting that prices them.
BONUSES = {"account": "account_bonus", "signup": "signup_bonus"}


def award_bonus(shop_domain: str, customer_id: int, occasion: str, occurred_at: datetime) -> bool:
    """A once-per-customer bonus ("account", "signup"); True when this call gave it."""
    program = active_program(shop_domain)
    points = getattr(program, BONUSES[occasion]) if program is not None else 0
    if not points:
        return False
    return record_entry(
        shop_domain,
        customer_id,
        "earn",
        points,
        f"{occasion}_bonus",
        f"customer:{customer_id}:{occasion}",
        occurred_at,
    )


def apply_refund(shop_domain: str, payload: RefundPayload, observed_at: datetime) -> int | None:
    """refunds/create: points in proportion to the money given back, once per refund; the
    order's customer (None for a guest), whose standing the refund changes.

    A refund of the whole order takes back everything the order still holds, its
    first-order bonus included; never more than that.
    """
    order = db.session.scalar(
        select(Order).where(Order.shop_domain == shop_domain, Order.shopify_id == payload.order_id)
    )
    if order is None:
        # Shopify does not promise order: the refund waits (with backoff) for its order.
        raise OrderNotYetKnown(f"refund {payload.id} for order {payload.order_id} not stored yet")
    if order.customer_id is None or payload.amount <= 0:
        return order.customer_id
    program = active_program(shop_domain)
    if program is None:
        return order.customer_id
    held = order_points(shop_domain, order.shopify_id)
    whole = payload.amount >= order.total
    taken = held if whole else min(held, points_for(payload.amount, program.points_per_unit))
    if taken > 0:
        record_entry(
            shop_domain,
            order.customer_id,
            "reverse",
            -taken,
            "refund",
            f"refund:{payload.id}",
            payload.created_at or observed_at,
            order.shopify_id,
        )
    return order.customer_id
