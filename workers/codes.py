"""refill_pool(prize_id) keeps each prize's pool of Shopify codes above its low-water mark;
withdraw_codes(lot_id) takes the unissued codes of a lot no longer handed out out of Shopify."""

import logging

from rq import Retry
from rq.exceptions import DuplicateJobError

from app.extensions import db, redis_queues
from app.models import Prize, PrizeDiscount
from app.popups import shopify_codes
from app.popups.code_withdrawal import lots_to_withdraw, withdraw_lot
from app.shopify.graphql import ShopifyAuthError, ShopifyGraphQLError
from app.shops import ShopUnavailable, admin_client_for, find_shop

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


def withdraw_codes(lot_id: int) -> int:
    """Delete a finished lot's unissued codes from Shopify; safe to run twice."""
    lot = db.session.get(PrizeDiscount, lot_id)
    if lot is None or lot.status == "closed":
        return 0
    shop = find_shop(lot.shop_domain)
    if shop is None or not shop.is_installed:
        # Without a token Baton cannot reach Shopify: the codes stay unissued, known to nobody.
        lot.status = "closed"
        db.session.commit()
        return 0
    try:
        withdrawn = withdraw_lot(admin_client_for(shop), lot)
    except ShopUnavailable as error:
        if error.transient:
            raise
        return _give_up(lot, error)
    except (ShopifyGraphQLError, ShopifyAuthError) as error:
        return _give_up(lot, error)
    log.info("lot %s (%s): %d unissued codes withdrawn", lot_id, lot.lot_key, withdrawn)
    return withdrawn


def queue_withdrawals() -> int:
    """Queue a withdrawal for every lot that stopped being handed out (the sweeper's step)."""
    queued = 0
    for lot_id in lots_to_withdraw():
        try:
            redis_queues.queue("sync").enqueue(
                "workers.codes.withdraw_codes",
                lot_id,
                job_id=f"withdraw-{lot_id}",
                unique=True,
                result_ttl=0,
                retry=Retry(max=5, interval=[10, 30, 120, 600, 1800]),
            )
            queued += 1
        except DuplicateJobError:
            pass  # already waiting its turn
    return queued


def _give_up(lot: PrizeDiscount, error: Exception) -> int:
    # Permanent: kept out of the sweeper's next rounds, with Shopify's words in the log.
    db.session.rollback()
    lot.status = "failed"
    db.session.commit()
    log.warning("withdrawing lot %s failed: %s", lot.id, error)
    return 0
