"""The carts CSV: each cart started in a range, its lines, who shopped and how it ended.

Outcomes: assisted (finished through a staff draft order), recovered (an abandoned checkout
completed later), converted (ordered), open (changed within the last day, no order yet) and
abandoned (no order, and quiet for longer than that). Read a page at a time.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Cart, Order
from app.models.types import utcnow
from app.profiles.live_carts import describe_carts

PAGE = 500
OPEN_FOR = timedelta(hours=24)
HEADER = [
    "cart_token",
    "started_at",
    "last_change",
    "outcome",
    "identity",
    "email",
    "device",
    "source",
    "items",
    "lines",
    "value",
    "currency",
    "baton_code",
    "code_status",
    "order",
    "order_total",
]


def cart_rows(shop_domain: str, since: datetime, until: datetime):
    yield HEADER
    after, now = 0, utcnow()
    while True:
        carts = list(
            db.session.scalars(
                select(Cart)
                .where(
                    Cart.shop_domain == shop_domain,
                    Cart.created_at.between(since, until),
                    Cart.id > after,
                )
                .order_by(Cart.id)
                .limit(PAGE)
            )
        )
        if not carts:
            return
        orders = {
            order.cart_token: order
            for order in db.session.scalars(
                select(Order).where(
                    Order.shop_domain == shop_domain,
                    Order.cart_token.in_([cart.token for cart in carts]),
                )
            )
        }
        for cart, row in zip(carts, describe_carts(shop_domain, carts), strict=True):
            order = orders.get(cart.token)
            code = row["code"] or {}
            yield [
                cart.token,
                row["started_at"],
                row["changed_at"],
                outcome(cart, order, now),
                row["identity"],
                (row["customer"] or {}).get("email"),
                row["device"],
                row["source"],
                row["items"],
                "; ".join(f"{line.get('quantity')} × {line.get('title')}" for line in row["lines"]),
                row["value"],
                row["currency"],
                code.get("code"),
                code.get("status"),
                order.name if order else None,
                order.total if order else None,
            ]
        after = carts[-1].id
        db.session.expunge_all()


def outcome(cart: Cart, order: Order | None, now: datetime) -> str:
    if order is not None:
        if order.assisted:
            return "assisted"
        return "recovered" if order.recovered else "converted"
    last = cart.source_updated_at or cart.created_at
    return "open" if last >= now - OPEN_FOR else "abandoned"
