"""A member's points as every surface shows them: the widget's panel, the admin, the platforms."""

from app.loyalty.earning import active_program
from app.loyalty.ledger import balance, lifetime_points
from app.loyalty.members import member_of
from app.loyalty.rewards import reward_answer, rewards_of
from app.models import Customer, LoyaltyMember, LoyaltyProgram


def next_reward(program: LoyaltyProgram, held: int) -> dict:
    """What the next reward is worth and how many points are still missing (0: redeemable)."""
    return {
        "points": program.reward_points,
        "value": str(program.reward_value),
        "points_missing": max(0, program.reward_points - held),
    }


def referral_url(shop_domain: str, member: LoyaltyMember | None) -> str | None:
    """The member's referral link on the shop's own domain, through the app proxy."""
    if member is None:
        return None
    return f"https://{shop_domain}/apps/baton/loyalty/r/{member.referral_code}"


def member_panel(customer: Customer) -> dict:
    """Balance, lifetime points, tier, the next reward and the reward codes."""
    shop = customer.shop_domain
    program = active_program(shop)
    held = balance(shop, customer.id)
    member = member_of(shop, customer.id)
    return {
        "enabled": program is not None,
        "balance": held,
        "lifetime": lifetime_points(shop, customer.id),
        "tier": member.tier if member is not None else None,
        "referral_url": referral_url(shop, member) if program and program.referral_points else None,
        "next_reward": next_reward(program, held) if program is not None else None,
        "rewards": [reward_answer(reward) for reward in rewards_of(shop, customer.id)],
    }
