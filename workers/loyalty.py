"""issue_reward(reward_id) makes a reward's code in Shopify, or gives the points back; the
sweeper's loyalty step lapses idle points, warns before they lapse and gives comeback codes."""

import logging
from datetime import timedelta

from app.extensions import db, redis_queues
from app.loyalty.journeys import (
    enabled_programs,
    expire_lapsed,
    expiring_soon,
    expiry_occasion,
    give_comeback_codes,
)
from app.loyalty.reward_queue import request_reward_code
from app.loyalty.rewards import make_reward_code, pending_rewards
from app.models import Customer, LoyaltyReward
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


def queue_pending_rewards() -> int:
    """The sweeper's step: rewards whose job was lost or gave up are asked for again."""
    waiting = pending_rewards(PENDING_AFTER, utcnow())
    for reward_id in waiting:
        request_reward_code(reward_id)
    return len(waiting)


def sweep_loyalty() -> int:
    """The sweeper's step: the journeys at most once an hour across every worker."""
    if not redis_queues.connection.set(
        "baton:loyalty-journeys", 1, nx=True, ex=JOURNEYS_EVERY_SECONDS
    ):
        return 0
    return run_loyalty_journeys(utcnow())


def run_loyalty_journeys(now) -> int:
    """Lapse, warn and give comeback codes for every shop running a program; the occasions
    acted on (each once: replays find their keys taken)."""
    acted = 0
    for program in enabled_programs():
        shop = program.shop_domain
        for customer_id in expire_lapsed(program, now):
            queue_profile_sync(_customer(customer_id), now)
            acted += 1
        for holding, ends in expiring_soon(program, now):
            occasion = expiry_occasion(holding.customer_id, ends)
            acted += queue_sync(shop, "loyalty_event", occasion) > 0
        gifts = give_comeback_codes(program, now)
        db.session.commit()
        for reward_id in gifts:
            request_reward_code(reward_id)
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
