"""The program seen whole: its members (searchable) and its liability, the points members
hold and what they would cost the shop if all were redeemed."""

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, or_, select

from app.extensions import db
from app.loyalty.earning import active_program
from app.loyalty.program import program_of
from app.models import Customer, LoyaltyMember, PointsEntry

MAX_MEMBERS = 100


def members(shop_domain: str, query: str = "", limit: int = MAX_MEMBERS) -> list[dict]:
    """Members with their balance and tier, largest balance first; `query` matches an email
    or a name."""
    ledger = (
        select(PointsEntry.customer_id, func.sum(PointsEntry.points).label("balance"))
        .where(PointsEntry.shop_domain == shop_domain)
        .group_by(PointsEntry.customer_id)
        .subquery()
    )
    member_ids = select(LoyaltyMember.customer_id).where(LoyaltyMember.shop_domain == shop_domain)
    statement = (
        select(Customer, ledger.c.balance, LoyaltyMember.tier)
        .outerjoin(ledger, ledger.c.customer_id == Customer.id)
        .outerjoin(LoyaltyMember, LoyaltyMember.customer_id == Customer.id)
        .where(
            Customer.shop_domain == shop_domain,
            or_(Customer.id.in_(member_ids), ledger.c.customer_id.is_not(None)),
        )
        .order_by(func.coalesce(ledger.c.balance, 0).desc(), Customer.id)
        .limit(limit)
    )
    if query:
        like = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                func.lower(Customer.email).like(like),
                func.lower(Customer.first_name).like(like),
                func.lower(Customer.last_name).like(like),
            )
        )
    return [
        {
            "customer_id": customer.id,
            "email": customer.email,
            "name": " ".join(p for p in (customer.first_name, customer.last_name) if p) or None,
            "balance": int(held or 0),
            "tier": tier,
            "orders_count": customer.orders_count or 0,
        }
        for customer, held, tier in db.session.execute(statement)
    ]


def liability(shop_domain: str) -> dict:
    """Outstanding points, the members holding them, and their value at the reward's rate."""
    program = active_program(shop_domain) or program_of(shop_domain)
    balances = (
        select(func.sum(PointsEntry.points).label("held"))
        .where(PointsEntry.shop_domain == shop_domain)
        .group_by(PointsEntry.customer_id)
        .subquery()
    )
    holders, outstanding = db.session.execute(
        select(func.count(), func.coalesce(func.sum(balances.c.held), 0)).where(balances.c.held > 0)
    ).one()
    value = Decimal("0")
    if program is not None and program.reward_points:
        value = Decimal(int(outstanding)) * program.reward_value / program.reward_points
    return {
        "outstanding_points": int(outstanding),
        "members_holding": int(holders),
        "value": str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)),
    }
