"""issue_reward(reward_id) makes a reward's code in Shopify, or gives the points back;
tag_tier(member_id) brings the Shopify customer's tier tag in line; the sweeper's loyalty
step lapses idle points, warns before they lapse, moves tiers with their window and gives
comeback codes and tier perks."""

import logging
from datetime import timedelta

from app.extensions import db, redis_queues
from app.loyalty.journeys import (
    enabled_programs,
    expire_lapsed,
    expiring_soon,
    expiry_occasion,
    give_comeback_codes,
    give_tier_perks,
)
from app.loyalty.queue import request_reward_code, request_tier_tags
from app.loyalty.rewards import make_reward_code, pending_rewards
from app.loyalty.tier_tags import bring_tags_in_line
from app.loyalty.tiers import members_to_tag, recompute_tier, tiered_members
from app.models import Customer, LoyaltyMember, LoyaltyReward
from app.models.types import utcnow
from app.profiles.customers import queue_profile_sync
from app.profiles.points import give_points_back
from app.shopify.graphql import ShopifyAuthError, ShopifyGraphQLError
from app.shops import ShopUnavailable, admin_client_for, find_shop
from app.sync.outbox import queue_sync

log = logging.getLogger(__name__)
# A reward still pending this long after it was asked for is queued again by the sweeper.
PENDING_AFTER = timedelta(minutes=5)
# The journeys scan every member's ledger: once an hour is often enough for day-long windows.
JOURNEYS_EVERY_SECONDS = 3600


def issue_reward(reward_id: int) -> str | None:
    """Create the reward's code once; a permanent refusal refunds, a transient one retries."""
    reward = db.session.get(LoyaltyReward, reward_id)
    if reward is None or reward.status != "pending":
        return None if reward is None else reward.status
    shop = find_shop(reward.shop_domain)
    if shop is None or not shop.is_installed:
        return _refund(reward, "The app is not installed in this shop any more.")
    try:
        make_reward_code(admin_client_for(shop), reward)
    except ShopUnavailable as error:
        if error.transient:
            raise
        return _refund(reward, str(error))
    except (ShopifyGraphQLError, ShopifyAuthError) as error:
        return _refund(reward, str(error))
    if reward.status == "issued" and reward.source == "comeback":
        queue_sync(reward.shop_domain, "loyalty_event", f"comeback:{reward.id}")
    db.session.commit()
    log.info("reward %s: %s", reward_id, reward.status)
    return reward.status


def tag_tier(member_id: int) -> str | None:
    """tagsRemove the tier left, tagsAdd the tier entered; transient failures retry."""
    member = db.session.get(LoyaltyMember, member_id)
    if member is None or member.tier == member.tagged_tier:
        return None
    shop = find_shop(member.shop_domain)
    if shop is None or not shop.is_installed:
        return None
    try:
        bring_tags_in_line(admin_client_for(shop), member)
    except ShopUnavailable as error:
        if error.transient:
            raise
        log.warning("tier tags of member %s: %s", member_id, error)
        return None
    except (ShopifyGraphQLError, ShopifyAuthError) as error:
        # Permanent (the customer was deleted in Shopify): logged; the sweeper tries later.
        log.warning("tier tags of member %s refused: %s", member_id, error)
        return None
    db.session.commit()
    return member.tagged_tier


def queue_tier_tags() -> int:
    """The sweeper's step: members whose Shopify tag is not their tier yet."""
    waiting = members_to_tag()
    for member_id in waiting:
        request_tier_tags(member_id)
    return len(waiting)


def queue_pending_rewards() -> int:
    """The sweeper's step: rewards whose job was lost or gave up are asked for again."""
    waiting = pending_rewards(PENDING_AFTER, utcnow())
    for reward_id in waiting:
        request_reward_code(reward_id, bulk=True)
    return len(waiting)


def sweep_loyalty() -> int:
    """The sweeper's step: the journeys at most once an hour across every worker."""
    if not redis_queues.connection.set(
        "baton:loyalty-journeys", 1, nx=True, ex=JOURNEYS_EVERY_SECONDS
    ):
        return 0
    return run_loyalty_journeys(utcnow())


def run_loyalty_journeys(now) -> int:
    """Lapse, warn, move tiers with their window and give comeback codes and tier perks, for
    every shop running a program; the occasions acted on (each once: replays find their
    keys taken)."""
    acted = 0
    for program in enabled_programs():
        shop = program.shop_domain
        for customer_id in expire_lapsed(program, now):
            queue_profile_sync(_customer(customer_id), now)
            acted += 1
        for holding, ends in expiring_soon(program, now):
            occasion = expiry_occasion(holding.customer_id, ends)
            acted += queue_sync(shop, "loyalty_event", occasion) > 0
        for customer_id in tiered_members(shop):
            if recompute_tier(shop, customer_id, now):
                queue_profile_sync(_customer(customer_id), now)
                acted += 1
        gifts = give_comeback_codes(program, now) + give_tier_perks(program, now)
        db.session.commit()
        for reward_id in gifts:
            request_reward_code(reward_id, bulk=True)
        acted += len(gifts)
    return acted


def _customer(customer_id: int) -> Customer:
    return db.session.get(Customer, customer_id)


def _refund(reward: LoyaltyReward, why: str) -> str:
    db.session.rollback()
    reward = db.session.get(LoyaltyReward, reward.id)
    give_points_back(reward, why, utcnow())
    db.session.commit()
    log.warning("reward %s refused, points returned: %s", reward.id, why)
    return reward.status
