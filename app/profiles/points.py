"""Changes to a member's points that the email platforms must hear of: each one queues the
profile's sync, so Klaviyo and Mailchimp show the balance the storefront shows."""

from datetime import datetime

from app.extensions import db
from app.loyalty.earning import apply_refund
from app.loyalty.rewards import redeem_points, refund_reward
from app.loyalty.tiers import keep_refund, recompute_tier
from app.models import Customer, LoyaltyReward
from app.profiles.customers import queue_profile_sync
from app.shopify.webhook_payloads import RefundPayload


def record_refund(shop_domain: str, payload: RefundPayload, observed_at: datetime) -> None:
    """refunds/create: the points the refunded money earned go back, and the spend a tier
    counts drops by the money."""
    # Raises OrderNotYetKnown until the order is stored: the delivery is retried.
    customer_id = apply_refund(shop_domain, payload, observed_at)
    keep_refund(shop_domain, payload, payload.created_at or observed_at)
    if customer_id is not None:
        recompute_tier(shop_domain, customer_id, observed_at)
        queue_profile_sync(db.session.get(Customer, customer_id), observed_at)


def spend_points(customer: Customer, source: str, now: datetime) -> LoyaltyReward:
    """Spend points on a reward code (RedemptionRefused when they cannot be)."""
    reward = redeem_points(customer, source, now)
    queue_profile_sync(customer, now)
    return reward


def give_points_back(reward: LoyaltyReward, why: str, now: datetime) -> None:
    """The reward's code will not exist: its points return."""
    refund_reward(reward, why)
    queue_profile_sync(db.session.get(Customer, reward.customer_id), now)
