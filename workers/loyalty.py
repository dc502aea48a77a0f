"""issue_reward(reward_id) makes a redeemed reward's code in Shopify, or gives the points back."""

import logging
from datetime import timedelta

from app.extensions import db
from app.loyalty.reward_queue import request_reward_code
from app.loyalty.rewards import make_reward_code, pending_rewards
from app.models import LoyaltyReward
from app.models.types import utcnow
from app.profiles.points import give_points_back
from app.shopify.graphql import ShopifyAuthError, ShopifyGraphQLError
from app.shops import ShopUnavailable, admin_client_for, find_shop

log = logging.getLogger(__name__)
# A reward still pending this long after it was asked for is queued again by the sweeper.
PENDING_AFTER = timedelta(minutes=5)


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
    db.session.commit()
    log.info("reward %s: %s", reward_id, reward.status)
    return reward.status


def queue_pending_rewards() -> int:
    """The sweeper's step: rewards whose job was lost or gave up are asked for again."""
    waiting = pending_rewards(PENDING_AFTER, utcnow())
    for reward_id in waiting:
        request_reward_code(reward_id)
    return len(waiting)


def _refund(reward: LoyaltyReward, why: str) -> str:
    db.session.rollback()
    reward = db.session.get(LoyaltyReward, reward.id)
    give_points_back(reward, why, utcnow())
    db.session.commit()
    log.warning("reward %s refused, points returned: %s", reward.id, why)
    return reward.status
