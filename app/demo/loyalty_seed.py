"""The demo shop's loyalty program: rules, tiers and referrals switched on, every seeded
order's points in the ledger, and one signed-in shopper to try redeeming with
(/demo/storefront?customer=790001)."""

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from app.demo import DEMO_SHOP
from app.extensions import db
from app.loyalty.earning import points_for
from app.loyalty.ledger import record_entry
from app.loyalty.program import program_of, read_program, save_program
from app.loyalty.tiers import recompute_tier
from app.models import Customer, Order
from app.models.types import utcnow

DEMO_MEMBER_ID = 790001
PROGRAM = {
    "enabled": True,
    "points_per_unit": "1",
    "first_order_bonus": 50,
    "signup_bonus": 25,
    "reward_points": 200,
    "reward_value": "10.00",
    "expiry_days": 365,
    # Comeback codes and monthly perks stay off: with them on, the first sweep would make a
    # code for hundreds of seeded customers in the demo's Shopify fake at once.
    "comeback_days": None,
    "referral_points": 250,
    "referral_welcome_value": "10.00",
    "tiers": [
        {"name": "Silver", "min_orders": 2},
        {"name": "Gold", "min_orders": 3, "min_spend": "250"},
    ],
}


def seed_loyalty() -> str | None:
    """Create the program once, credit the seeded orders and the demo member; what was done."""
    if program_of(DEMO_SHOP) is not None:
        return None
    clean, errors = read_program(PROGRAM)
    if errors:
        raise ValueError(f"the demo loyalty program is invalid: {errors}")
    program = save_program(DEMO_SHOP, clean)
    _demo_member()
    now = utcnow()
    orders = db.session.scalars(
        select(Order).where(Order.shop_domain == DEMO_SHOP, Order.customer_id.is_not(None))
    ).all()
    members = set()
    for order in orders:
        earned = points_for(order.total, program.points_per_unit)
        key = f"order:{order.shopify_id}:earn"
        record_entry(
            DEMO_SHOP,
            order.customer_id,
            "earn",
            earned,
            "order",
            key,
            order.placed_at,
            order.shopify_id,
        )
        members.add(order.customer_id)
    for customer_id in members:
        recompute_tier(DEMO_SHOP, customer_id, now)
    db.session.commit()
    return f"loyalty program with {len(members)} members"


def _demo_member() -> None:
    """Paula: a store account with two orders, enough points for one reward."""
    now = utcnow()
    paula = Customer(
        shop_domain=DEMO_SHOP,
        shopify_id=DEMO_MEMBER_ID,
        email="paula@example.com",
        first_name="Paula",
        last_name="Demo",
        orders_count=2,
        total_spent=Decimal("190.00"),
        last_order_at=now - timedelta(days=3),
        email_consent_state="subscribed",
    )
    db.session.add(paula)
    db.session.flush()
    for number, (days, total) in enumerate(((12, "80.00"), (3, "110.00")), start=1):
        db.session.add(
            Order(
                shop_domain=DEMO_SHOP,
                shopify_id=790_100 + number,
                name=f"#P{number}",
                email=paula.email,
                customer_id=paula.id,
                subtotal=Decimal(total),
                total=Decimal(total),
                currency="EUR",
                financial_status="paid",
                placed_at=now - timedelta(days=days),
            )
        )
    first = now - timedelta(days=12)
    record_entry(
        DEMO_SHOP, paula.id, "earn", 50, "first_order", f"customer:{paula.id}:first-order", first
    )
    db.session.flush()
