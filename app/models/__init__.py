"""Models, one module per aggregate; imported here so Alembic sees every table."""

from app.models.analytics import HOLDOUT, CampaignDailyStat, CampaignExposure
from app.models.assisted import AssistedDraft
from app.models.backfill import BackfillRun
from app.models.campaign import GAMES, PRIZE_KINDS, Campaign, Play, Prize, Variant
from app.models.commerce import Cart, Checkout, CouponCode, Order, PrizeDiscount
from app.models.customer import CONSENT_STATES, Customer, TimelineEvent, Visitor
from app.models.loyalty import (
    POINTS_KINDS,
    REFERRAL_STATUSES,
    REWARD_STATUSES,
    LoyaltyMember,
    LoyaltyProgram,
    LoyaltyReward,
    OrderRefund,
    PointsEntry,
    Referral,
)
from app.models.privacy import PrivacyRequest
from app.models.shop import Shop
from app.models.sync import (
    EmailBackfill,
    EmailSuppression,
    PlatformConnection,
    SyncTask,
)
from app.models.webhook import DeliveryStatus, WebhookDelivery

__all__ = [
    "AssistedDraft",
    "HOLDOUT",
    "CampaignDailyStat",
    "CampaignExposure",
    "GAMES",
    "PRIZE_KINDS",
    "Campaign",
    "Play",
    "Prize",
    "Variant",
    "BackfillRun",
    "CONSENT_STATES",
    "Cart",
    "Checkout",
    "CouponCode",
    "Customer",
    "LoyaltyMember",
    "LoyaltyProgram",
    "LoyaltyReward",
    "OrderRefund",
    "REFERRAL_STATUSES",
    "Referral",
    "REWARD_STATUSES",
    "POINTS_KINDS",
    "PointsEntry",
    "DeliveryStatus",
    "Order",
    "PrivacyRequest",
    "PrizeDiscount",
    "Shop",
    "EmailBackfill",
    "EmailSuppression",
    "PlatformConnection",
    "SyncTask",
    "TimelineEvent",
    "Visitor",
    "WebhookDelivery",
]
