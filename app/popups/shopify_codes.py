"""Prize codes in Shopify: a discount per prize and issue day, unique single-use codes in bulk.

A code is handed to a shopper only once Shopify has confirmed it exists: codes are stored
as "pending" before they are sent, become "available" when the bulk creation reports them
created, and "failed" (never handed out) when Shopify refused them.

Shopify stops a code when its discount's endsAt passes, not on a date of the code's own. So
the codes a prize hands out on one (UTC) day share a discount, a lot, that ends when they
must: the day's end plus the prize's expiry days. Every code of the lot is shown as expiring
at that moment, so what the shopper reads is exactly what Shopify enforces: N to N+1 days,
whenever in the day it was won. A prize whose codes never expire keeps one open lot.
"""

import functools
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as midnight
from decimal import Decimal

from sqlalchemy import bindparam, func, select, update

from app.extensions import db
from app.models import Campaign, CouponCode, Prize, PrizeDiscount
from app.models.types import utcnow
from app.shopify.discount_codes import CREATE_BASIC, CREATE_FREE_SHIPPING, FIND_BY_CODE, new_code
from app.shopify.graphql import AdminGraphQL, ShopifyGraphQLError, ShopifyTransientError
from app.upserts import insert_ignore

BULK_LIMIT = 250  # Shopify's maximum per discountRedeemCodeBulkAdd
LOW_WATER = 50
TARGET = 200
POLL_SECONDS = (0.5, 1, 2, 4, 8)
OPEN_LOT = "open"
# Tomorrow's lot is made and filled this long before midnight, so the first plays of the day
# never find an empty pool.
LOOKAHEAD = timedelta(hours=2)

BULK_ADD = """
mutation AddCodes($discountId: ID!, $codes: [DiscountRedeemCodeInput!]!) {
  discountRedeemCodeBulkAdd(discountId: $discountId, codes: $codes) {
    bulkCreation { id }
    userErrors { field message code }
  }
}"""
BULK_STATUS = """
query CodeCreation($id: ID!) {
  discountRedeemCodeBulkCreation(id: $id) {
    id done codesCount importedCount failedCount
    codes(first: 250) { nodes { code errors { message } discountRedeemCode { id } } }
  }
}"""


def lot_for(prize: Prize, issue_day: date) -> tuple[str, datetime | None]:
    """(lot key, Shopify endsAt) of the codes this prize hands out on `issue_day`."""
    days = prize.code_expiry_days
    if not days:
        return OPEN_LOT, None
    ends = datetime.combine(issue_day + timedelta(days=1 + days), midnight(), UTC)
    return f"{issue_day.isoformat()}+{days}d", ends


def current_lot_key(prize: Prize, now: datetime) -> str:
    """The lot a play at `now` takes its code from."""
    return lot_for(prize, now.astimezone(UTC).date())[0]


def lots_to_fill(prize: Prize, now: datetime) -> list[tuple[str, datetime | None]]:
    """Today's lot, and near midnight tomorrow's too."""
    today = now.astimezone(UTC).date()
    lots = [lot_for(prize, today)]
    if prize.code_expiry_days and (now + LOOKAHEAD).astimezone(UTC).date() > today:
        lots.append(lot_for(prize, today + timedelta(days=1)))
    return lots


def issues_codes(campaign: Campaign | None, now: datetime) -> bool:
    """Whether the campaign may still hand out codes: live and not past its end."""
    return (
        campaign is not None
        and campaign.status == "live"
        and (campaign.ends_at is None or now < campaign.ends_at)
    )


def lot_is_current(lot: PrizeDiscount, prize: Prize | None, now: datetime) -> bool:
    """False once the lot's unissued codes can never be handed out: withdraw them."""
    if prize is None or prize.kind == "none" or prize.retired:
        return False
    if not issues_codes(prize.campaign, now):
        return False
    return lot.lot_key in {key for key, _ in lots_to_fill(prize, now)}


def discount_input(
    campaign: Campaign, prize: Prize, first_code: str, lot: PrizeDiscount
) -> tuple[str, dict]:
    """The create mutation and its input for a prize's lot, shaped as Shopify defines it."""
    title = f"Baton · {campaign.name} · {prize.label}"
    common = {
        "title": (title if lot.lot_key == OPEN_LOT else f"{title} · {lot.lot_key}")[:255],
        "code": first_code,
        "startsAt": utcnow().isoformat(),
        "context": {"all": "ALL"},
        # Applied to each code of the discount: every shopper's code works once.
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
    }
    if lot.ends_at is not None:
        common["endsAt"] = lot.ends_at.isoformat()
    if prize.min_subtotal:
        common["minimumRequirement"] = {
            "subtotal": {"greaterThanOrEqualToSubtotal": str(prize.min_subtotal)}
        }
    if prize.kind == "free_shipping":
        return CREATE_FREE_SHIPPING, common | {"destination": {"all": True}}
    if prize.kind == "percentage":
        value = {"percentage": float(Decimal(prize.value) / 100)}
    else:
        value = {"discountAmount": {"amount": str(prize.value), "appliesOnEachItem": False}}
    return CREATE_BASIC, common | {"customerGets": {"value": value, "items": {"all": True}}}


def ensure_discount(
    client: AdminGraphQL, campaign: Campaign, prize: Prize, key: str, ends_at: datetime | None
) -> PrizeDiscount:
    """The lot's discount, created in Shopify once; its first code joins the pool."""
    lot = _lot(campaign, prize, key, ends_at)
    if lot.shopify_id:
        return lot
    first = _unconfirmed_first_code(lot)
    if first is not None:
        found = client.execute(FIND_BY_CODE, {"code": first})["codeDiscountNodeByCode"]
        if found is not None:
            return _confirm(lot, found, first)
    else:
        first = _reserve_codes(campaign, prize, lot, 1)[0]
    mutation, discount = discount_input(campaign, prize, first, lot)
    result = next(iter(client.execute(mutation, {"discount": discount}).values()))
    if result["userErrors"]:
        _mark(lot, {first: None}, "failed")
        db.session.commit()
        raise ShopifyGraphQLError(result["userErrors"])
    return _confirm(lot, result["codeDiscountNode"], first)


def _unconfirmed_first_code(lot: PrizeDiscount) -> str | None:
    # Before the lot has a discount, a pending code can only be a create's first code whose
    # answer never came (a timeout): the create may have run.
    return db.session.scalar(
        select(CouponCode.code)
        .where(CouponCode.discount_id == lot.id, CouponCode.status == "pending")
        .order_by(CouponCode.id)
        .limit(1)
    )


def _confirm(lot: PrizeDiscount, node: dict, first: str) -> PrizeDiscount:
    lot.shopify_id = node["id"]
    created = {entry["code"]: entry["id"] for entry in node["codeDiscount"]["codes"]["nodes"]}
    _mark(lot, {first: created.get(first)}, "available")
    db.session.commit()
    return lot


def add_codes(
    client: AdminGraphQL,
    campaign: Campaign,
    prize: Prize,
    lot: PrizeDiscount,
    count: int,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Add up to `count` codes to the lot in batches of 250; returns how many Shopify made."""
    created = 0
    while count > 0:
        batch = _reserve_codes(campaign, prize, lot, min(count, BULK_LIMIT))
        count -= len(batch)
        created += _bulk_add(client, lot, batch, sleep)
    return created


def refill(
    client: AdminGraphQL,
    campaign: Campaign,
    prize: Prize,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Top each lot being handed out up to TARGET once below LOW_WATER; returns codes added."""
    now = utcnow()
    if prize.kind == "none" or prize.retired or not issues_codes(campaign, now):
        return 0
    added = 0
    for key, ends_at in lots_to_fill(prize, now):
        lot = ensure_discount(client, campaign, prize, key, ends_at)
        available = available_codes(lot.id)
        if available < LOW_WATER:
            added += add_codes(client, campaign, prize, lot, TARGET - available, sleep)
    return added


def add_one(client: AdminGraphQL, campaign: Campaign, prize: Prize) -> int:
    """A dry pool's emergency code: make sure at least one confirmed code is waiting."""
    now = utcnow()
    if prize.kind == "none" or prize.retired or not issues_codes(campaign, now):
        return 0
    lot = ensure_discount(client, campaign, prize, *lot_for(prize, now.astimezone(UTC).date()))
    if available_codes(lot.id) > 0:
        return 1  # the discount's first code, or a refill that landed meanwhile
    return add_codes(client, campaign, prize, lot, 1)


def available_codes(discount_id: int) -> int:
    """How many confirmed codes of a lot are waiting for a winner."""
    return db.session.scalar(_count_available(discount_id))


def available_beside(shop_domain: str, code: str) -> int:
    """How many codes are still waiting in the lot this (just won) code came from."""
    return db.session.scalar(_available_beside_code(), {"shop": shop_domain, "won": code})


@functools.cache
def _available_beside_code():
    # Built once: every winning play asks.
    lot = (
        select(CouponCode.discount_id)
        .where(CouponCode.shop_domain == bindparam("shop"), CouponCode.code == bindparam("won"))
        .scalar_subquery()
    )
    return _count_available(lot)


def _count_available(lot):
    return (
        select(func.count())
        .select_from(CouponCode)
        .where(CouponCode.discount_id == lot, CouponCode.status == "available")
    )


def _lot(campaign: Campaign, prize: Prize, key: str, ends_at: datetime | None) -> PrizeDiscount:
    insert_ignore(
        PrizeDiscount,
        {
            "shop_domain": campaign.shop_domain,
            "prize_id": prize.id,
            "lot_key": key,
            "ends_at": ends_at,
            "status": "open",
            "created_at": utcnow(),
        },
    )
    lot = db.session.scalar(
        select(PrizeDiscount).where(
            PrizeDiscount.prize_id == prize.id, PrizeDiscount.lot_key == key
        )
    )
    lot.status = "open"  # a lot withdrawn while paused is handed out again once resumed
    return lot


def _reserve_codes(campaign: Campaign, prize: Prize, lot: PrizeDiscount, count: int) -> list[str]:
    # Stored as pending before Shopify hears of them, so a crash cannot leave a code in
    # Shopify that Baton forgot; the unique (shop, code) key rules out duplicates.
    codes: list[str] = []
    attempts = 0
    while len(codes) < count and attempts < count * 10:
        attempts += 1
        code = new_code(campaign.code_prefix)
        # A collision with a code the shop already has inserts nothing: draw another.
        if insert_ignore(
            CouponCode,
            {
                "shop_domain": campaign.shop_domain,
                "code": code,
                "prize_id": prize.id,
                "discount_id": lot.id,
                "expires_at": lot.ends_at,
                "status": "pending",
            },
        ):
            codes.append(code)
    if len(codes) < count:
        raise RuntimeError(f"could not reserve {count} unique codes for prize {prize.id}")
    db.session.commit()
    return codes


def _bulk_add(
    client: AdminGraphQL, lot: PrizeDiscount, codes: list[str], sleep: Callable[[float], None]
) -> int:
    data = client.execute(
        BULK_ADD, {"discountId": lot.shopify_id, "codes": [{"code": code} for code in codes]}
    )
    result = data["discountRedeemCodeBulkAdd"]
    if result["userErrors"]:
        _mark(lot, dict.fromkeys(codes), "failed")
        db.session.commit()
        raise ShopifyGraphQLError(result["userErrors"])
    status = _wait_for(client, result["bulkCreation"]["id"], sleep)
    created = {
        node["code"]: node["discountRedeemCode"]["id"]
        for node in status["codes"]["nodes"]
        if node.get("discountRedeemCode")
    }
    _mark(lot, created, "available")
    _mark(lot, {code: None for code in codes if code not in created}, "failed")
    db.session.commit()
    return len(created)


def _wait_for(client: AdminGraphQL, creation_id: str, sleep: Callable[[float], None]) -> dict:
    for pause in (*POLL_SECONDS, *([POLL_SECONDS[-1]] * 10)):
        status = client.execute(BULK_STATUS, {"id": creation_id})["discountRedeemCodeBulkCreation"]
        if status["done"]:
            return status
        sleep(pause)
    raise ShopifyTransientError(f"code creation {creation_id} still running")


def _mark(lot: PrizeDiscount, codes: dict[str, str | None], status: str) -> None:
    # Codes Shopify gave an id keep it (a withdrawal names codes by id): one executemany.
    with_ids = {code: shopify_id for code, shopify_id in codes.items() if shopify_id}
    without = [code for code in codes if code not in with_ids]
    if without:
        db.session.execute(
            update(CouponCode)
            .where(
                CouponCode.discount_id == lot.id,
                CouponCode.status == "pending",
                CouponCode.code.in_(without),
            )
            .values(status=status)
            .execution_options(synchronize_session=False)
        )
    if with_ids:
        table = CouponCode.__table__
        db.session.execute(
            update(table)
            .where(
                table.c.discount_id == lot.id,
                table.c.status == "pending",
                table.c.code == bindparam("b_code"),
            )
            .values(status=status, shopify_id=bindparam("b_id")),
            [{"b_code": code, "b_id": shopify_id} for code, shopify_id in with_ids.items()],
        )
