"""Unissued codes leave Shopify once they can no longer be handed out.

A lot stops being handed out when its issue day passes, its prize retires or is deleted, or
its campaign is paused, ends or is deleted. Its codes nobody won are then withdrawn: the
whole discount is deleted when none of its codes was issued, else just those codes, so
every issued code runs to its own expiry.
"""

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import CouponCode, Prize, PrizeDiscount
from app.models.types import utcnow
from app.popups.shopify_codes import lot_is_current
from app.shopify.graphql import AdminGraphQL, ShopifyGraphQLError

DELETE_DISCOUNT = """
mutation WithdrawDiscount($id: ID!) {
  discountCodeDelete(id: $id) {
    deletedCodeDiscountId
    userErrors { field message code }
  }
}"""
DELETE_CODES = """
mutation WithdrawCodes($discountId: ID!, $ids: [ID!]) {
  discountCodeRedeemCodeBulkDelete(discountId: $discountId, ids: $ids) {
    job { id done }
    userErrors { field message code }
  }
}"""
# Ids per discountCodeRedeemCodeBulkDelete: the size Shopify takes codes in elsewhere.
DELETE_BATCH = 250


def lots_to_withdraw() -> list[int]:
    """Open lots whose unissued codes can never be handed out."""
    now = utcnow()
    rows = db.session.execute(
        select(PrizeDiscount, Prize)
        .outerjoin(Prize, Prize.id == PrizeDiscount.prize_id)
        .where(PrizeDiscount.status == "open")
    ).all()
    return [lot.id for lot, prize in rows if not lot_is_current(lot, prize, now)]


def withdraw_lot(client: AdminGraphQL, lot: PrizeDiscount) -> int:
    """Delete the lot's unissued codes from Shopify and close it; returns how many went."""
    if lot_is_current(lot, db.session.get(Prize, lot.prize_id) if lot.prize_id else None, utcnow()):
        return 0  # handed out again meanwhile (a campaign resumed)
    _hold_unissued(lot)
    held = db.session.execute(
        select(CouponCode.id, CouponCode.shopify_id).where(
            CouponCode.discount_id == lot.id, CouponCode.status == "withdrawing"
        )
    ).all()
    if lot.shopify_id and _count(lot, "issued") == 0:
        _delete_discount(client, lot)
    elif lot.shopify_id:
        _delete_codes(client, lot, [shopify_id for _, shopify_id in held if shopify_id])
    _settle(lot, [code_id for code_id, _ in held])
    return len(held)


def _hold_unissued(lot: PrizeDiscount) -> None:
    # One UPDATE takes them out of the pool first, so no play can win a code being deleted.
    db.session.execute(
        update(CouponCode)
        .where(CouponCode.discount_id == lot.id, CouponCode.status == "available")
        .values(status="withdrawing")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _delete_discount(client: AdminGraphQL, lot: PrizeDiscount) -> None:
    result = client.execute(DELETE_DISCOUNT, {"id": lot.shopify_id})["discountCodeDelete"]
    if result["userErrors"] and not _already_gone(result["userErrors"]):
        raise ShopifyGraphQLError(result["userErrors"])
    lot.shopify_id = None  # a lot handed out again later gets a new discount


def _delete_codes(client: AdminGraphQL, lot: PrizeDiscount, ids: list[str]) -> None:
    for start in range(0, len(ids), DELETE_BATCH):
        result = client.execute(
            DELETE_CODES, {"discountId": lot.shopify_id, "ids": ids[start : start + DELETE_BATCH]}
        )["discountCodeRedeemCodeBulkDelete"]
        if result["userErrors"] and not _already_gone(result["userErrors"]):
            raise ShopifyGraphQLError(result["userErrors"])


def _settle(lot: PrizeDiscount, code_ids: list[int]) -> None:
    db.session.execute(
        update(CouponCode)
        .where(CouponCode.id.in_(code_ids))
        .values(status="withdrawn")
        .execution_options(synchronize_session=False)
    )
    # Codes still pending belong to a creation in flight: the next sweep withdraws them.
    if _count(lot, "pending") == 0:
        lot.status = "closed"
    db.session.commit()


def _count(lot: PrizeDiscount, status: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(CouponCode)
        .where(CouponCode.discount_id == lot.id, CouponCode.status == status)
    )


def _already_gone(errors: list[dict]) -> bool:
    # A retried job finds the discount already deleted: that is the outcome it wanted.
    return all("does not exist" in error.get("message", "").lower() for error in errors)
