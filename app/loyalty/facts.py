"""A member's points as the email platforms are told them, for one customer or a page."""

from sqlalchemy import func, select

from app.extensions import db
from app.loyalty.earning import active_program
from app.loyalty.panel import next_reward, referral_url
from app.models import LoyaltyMember, LoyaltyProgram, PointsEntry


def loyalty_facts(shop_domain: str, customer_id: int) -> dict | None:
    """Balance, the next reward and the tier; None when the shop runs no program."""
    return loyalty_facts_of_many(shop_domain, [customer_id]).get(customer_id)


def loyalty_facts_of_many(shop_domain: str, customer_ids: list[int]) -> dict[int, dict]:
    """The same for a backfill page, in one query; empty when the shop runs no program."""
    program = active_program(shop_domain)
    if program is None or not customer_ids:
        return {}
    held = dict(
        db.session.execute(
            select(PointsEntry.customer_id, func.sum(PointsEntry.points))
            .where(
                PointsEntry.shop_domain == shop_domain,
                PointsEntry.customer_id.in_(customer_ids),
            )
            .group_by(PointsEntry.customer_id)
        ).all()
    )
    members = {
        member.customer_id: member
        for member in db.session.scalars(
            select(LoyaltyMember).where(
                LoyaltyMember.shop_domain == shop_domain,
                LoyaltyMember.customer_id.in_(customer_ids),
            )
        )
    }
    return {
        customer_id: _facts(program, int(held.get(customer_id) or 0), members.get(customer_id))
        for customer_id in customer_ids
    }


def _facts(program: LoyaltyProgram, points: int, member: LoyaltyMember | None) -> dict:
    reward = next_reward(program, points)
    link = referral_url(program.shop_domain, member) if program.referral_points else None
    return {
        "points": points,
        "points_to_next_reward": reward["points_missing"],
        "next_reward_value": reward["value"],
        "tier": (member.tier if member is not None else None) or "",
        "referral_url": link or "",
    }
