"""Redeeming points: the points are spent in one ledger entry, then a single-use Shopify code
that only this customer can use is made for them; if Shopify refuses it, the points return.

Spending and making the code are two steps on purpose: the spend commits at once (two tabs
cannot spend the same points, see lock_member), and the call to Shopify happens after, in
the worker, outside any transaction a shopper waits on.
"""

from datetime import datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.loyalty.earning import active_program
from app.loyalty.ledger import balance, record_entry
from app.loyalty.members import lock_member
from app.models import Customer, LoyaltyReward
from app.models.types import utcnow
from app.problems import Conflict
from app.shopify.discount_codes import (
    CREATE_BASIC,
    CREATE_FREE_SHIPPING,
    FIND_BY_CODE,
    new_code,
)
from app.shopify.graphql import AdminGraphQL, ShopifyGraphQLError

CODE_PREFIX = "POINTS"
MAX_ERROR = 500


def redeem_points(customer: Customer, source: str, now: datetime) -> LoyaltyReward:
    """Spend the program's reward price from the customer's balance, as one ledger entry,
    and record the code to be made. Raises Conflict with the reason; flushes, never commits."""
    shop = customer.shop_domain
    program = active_program(shop)
    if program is None:
        raise Conflict("no_program", "This shop has no points program running.")
    if customer.shopify_id is None:
        raise Conflict(
            "no_account",
            "Points are redeemed by customers with a store account: this profile has none.",
        )
    lock_member(shop, customer.id, now)
    held = balance(shop, customer.id)
    price = program.reward_points
    if held < price:
        raise Conflict(
            "not_enough_points", f"A reward takes {price} points; this customer has {held}."
        )
    reward = LoyaltyReward(
        shop_domain=shop,
        customer_id=customer.id,
        points=price,
        value=program.reward_value,
        code=new_code(CODE_PREFIX),
        status="pending",
        source=source,
        ends_at=now + timedelta(days=program.reward_expiry_days),
        created_at=now,
    )
    db.session.add(reward)
    db.session.flush()
    record_entry(shop, customer.id, "redeem", -price, source, f"reward:{reward.id}", now)
    return reward


def rewards_of(shop_domain: str, customer_id: int, limit: int = 20) -> list[LoyaltyReward]:
    """The customer's reward codes, newest first."""
    return list(
        db.session.scalars(
            select(LoyaltyReward)
            .where(
                LoyaltyReward.shop_domain == shop_domain, LoyaltyReward.customer_id == customer_id
            )
            .order_by(LoyaltyReward.created_at.desc(), LoyaltyReward.id.desc())
            .limit(limit)
        )
    )


def reward_discount(reward: LoyaltyReward, customer_shopify_id: int | None) -> tuple[str, dict]:
    """The create mutation and its input for the reward: this customer only (anyone holding
    the code, for a referred friend without an account yet), one use, an end date; an
    amount off (DiscountCodeBasicInput) or free shipping."""
    buyers = (
        {"customers": {"add": [f"gid://shopify/Customer/{customer_shopify_id}"]}}
        if customer_shopify_id is not None
        else {"all": "ALL"}
    )
    title = (
        f"Baton · points reward · {reward.points} points"
        if reward.points
        else f"Baton · {reward.source} reward"
    )
    common = {
        "title": title[:255],
        "code": reward.code,
        "startsAt": reward.created_at.isoformat(),
        "endsAt": reward.ends_at.isoformat(),
        "context": buyers,
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
    }
    if reward.kind == "free_shipping":
        return CREATE_FREE_SHIPPING, common | {"destination": {"all": True}}
    amount = {"discountAmount": {"amount": str(reward.value), "appliesOnEachItem": False}}
    return CREATE_BASIC, common | {"customerGets": {"value": amount, "items": {"all": True}}}


def make_reward_code(client: AdminGraphQL, reward: LoyaltyReward) -> None:
    """Create the reward's code in Shopify, once: a create whose answer was lost is found
    by its code first. Shopify's refusal gives the points back. Flushes, never commits."""
    if reward.status != "pending":
        return
    found = client.execute(FIND_BY_CODE, {"code": reward.code})["codeDiscountNodeByCode"]
    if found is not None:
        reward.shopify_id, reward.status = found["id"], "issued"
        return
    customer = db.session.get(Customer, reward.customer_id)
    mutation, discount = reward_discount(reward, customer.shopify_id)
    result = next(iter(client.execute(mutation, {"discount": discount}).values()))
    if result["userErrors"]:
        refund_reward(reward, str(ShopifyGraphQLError(result["userErrors"])))
        return
    reward.shopify_id, reward.status = result["codeDiscountNode"]["id"], "issued"
    db.session.flush()


def refund_reward(reward: LoyaltyReward, why: str) -> None:
    """The code will not exist: mark it refused and give the points back, once."""
    if reward.status != "pending":
        return
    reward.status, reward.error = "refused", why[:MAX_ERROR]
    if reward.points == 0:
        db.session.flush()
        return  # a gift (comeback): nothing was spent
    record_entry(
        reward.shop_domain,
        reward.customer_id,
        "adjust",
        reward.points,
        "reward_refused",
        f"reward:{reward.id}:refund",
        utcnow(),
    )
    db.session.flush()


def pending_rewards(older_than: timedelta, now: datetime) -> list[int]:
    """Rewards still waiting for their code: the sweeper asks the worker again."""
    return list(
        db.session.scalars(
            select(LoyaltyReward.id).where(
                LoyaltyReward.status == "pending", LoyaltyReward.created_at < now - older_than
            )
        )
    )


def reward_answer(reward: LoyaltyReward) -> dict:
    """A reward as the widget and the admin show it; the code only once Shopify has it."""
    return {
        "id": reward.id,
        "status": reward.status,
        "points": reward.points,
        "value": str(reward.value),
        "kind": reward.kind,
        "code": reward.code if reward.status == "issued" else None,
        "ends_at": reward.ends_at.isoformat(),
        "source": reward.source,
        "created_at": reward.created_at.isoformat(),
        "error": reward.error,
    }
