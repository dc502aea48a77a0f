"""refill_pool(prize_id): keep each prize's pool of Shopify codes above its low-water mark."""

import logging

from app.extensions import db
from app.models import Prize
from app.popups import shopify_codes
from app.shopify.graphql import ShopifyAuthError, ShopifyGraphQLError, admin_client_for
from app.shops import ShopUnavailable, find_shop

log = logging.getLogger(__name__)


def refill_pool(prize_id: int) -> int:
    """Create the prize's discount if needed and top its pool up; safe to run twice."""
    return _with_shopify(prize_id, shopify_codes.refill)


def create_code_now(prize_id: int) -> int:
    """A shopper is waiting on a dry pool: get one confirmed code into it, fast."""
    return _with_shopify(prize_id, shopify_codes.add_one)


def _with_shopify(prize_id: int, action) -> int:
    prize = db.session.get(Prize, prize_id)
    if prize is None:
        return 0
    campaign = prize.campaign
    shop = find_shop(campaign.shop_domain)
    if shop is None or not shop.is_installed:
        return 0
    try:
        added = action(admin_client_for(shop), campaign, prize)
    except (ShopifyGraphQLError, ShopifyAuthError) as error:
        # Permanent: logged with Shopify's words; the campaign keeps its remaining codes.
        log.warning("refilling prize %s failed: %s", prize_id, error)
        return 0
    except ShopUnavailable as error:
        if error.transient:
            raise
        return 0
    log.info("prize %s: %d codes added", prize_id, added)
    return added
