"""Prize codes in Shopify: one discount per prize, unique single-use codes added in bulk.

A code is handed to a shopper only once Shopify has confirmed it exists: codes are stored
as "pending" before they are sent, become "available" when the bulk creation reports them
created, and "failed" (never handed out) when Shopify refused them.
"""

import time
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import Campaign, CouponCode, Prize
from app.models.types import utcnow
from app.popups.codes import new_code
from app.shopify.graphql import AdminGraphQL, ShopifyGraphQLError, ShopifyTransientError
from app.upserts import insert_ignore

BULK_LIMIT = 250  # Shopify's maximum per discountRedeemCodeBulkAdd
LOW_WATER = 50
TARGET = 200
POLL_SECONDS = (0.5, 1, 2, 4, 8)

CREATE_BASIC = """
mutation CreateBasic($discount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $discount) {
    codeDiscountNode { id }
    userErrors { field message code }
  }
}"""
CREATE_FREE_SHIPPING = """
mutation CreateFreeShipping($discount: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $discount) {
    codeDiscountNode { id }
    userErrors { field message code }
  }
}"""
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


def discount_input(campaign: Campaign, prize: Prize, first_code: str) -> tuple[str, dict]:
    """The create mutation and its input for a prize, shaped as Shopify's docs define it."""
    common = {
        "title": f"Baton · {campaign.name} · {prize.label}"[:255],
        "code": first_code,
        "startsAt": utcnow().isoformat(),
        "context": {"all": "ALL"},
        # Applied to each code of the discount: every shopper's code works once.
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
    }
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


def ensure_discount(client: AdminGraphQL, campaign: Campaign, prize: Prize) -> None:
    """Create the prize's discount once; its first code joins the pool."""
    if prize.shopify_discount_id:
        return
    first = _reserve_codes(campaign, prize, 1)[0]
    mutation, discount = discount_input(campaign, prize, first)
    data = client.execute(mutation, {"discount": discount})
    result = next(iter(data.values()))
    if result["userErrors"]:
        _mark(prize, [first], "failed")
        raise ShopifyGraphQLError(result["userErrors"])
    prize.shopify_discount_id = result["codeDiscountNode"]["id"]
    _mark(prize, [first], "available")
    db.session.commit()


def add_codes(
    client: AdminGraphQL,
    campaign: Campaign,
    prize: Prize,
    count: int,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Add up to `count` codes in batches of 250; returns how many Shopify created."""
    created = 0
    while count > 0:
        batch = _reserve_codes(campaign, prize, min(count, BULK_LIMIT))
        count -= len(batch)
        created += _bulk_add(client, prize, batch, sleep)
    return created


def refill(
    client: AdminGraphQL,
    campaign: Campaign,
    prize: Prize,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Top the pool up to TARGET when it has fallen below LOW_WATER; returns codes added."""
    if prize.kind == "none" or prize.retired:
        return 0
    ensure_discount(client, campaign, prize)
    available = available_codes(prize.id)
    if available >= LOW_WATER:
        return 0
    return add_codes(client, campaign, prize, TARGET - available, sleep)


def add_one(client: AdminGraphQL, campaign: Campaign, prize: Prize) -> int:
    """A dry pool's emergency code: make sure at least one confirmed code is waiting."""
    if prize.kind == "none" or prize.retired:
        return 0
    ensure_discount(client, campaign, prize)
    if available_codes(prize.id) > 0:
        return 1  # the discount's first code, or a refill that landed meanwhile
    return add_codes(client, campaign, prize, 1)


def available_codes(prize_id: int) -> int:
    """How many confirmed codes are waiting for a winner."""
    return db.session.scalar(
        select(func.count())
        .select_from(CouponCode)
        .where(CouponCode.prize_id == prize_id, CouponCode.status == "available")
    )


def _reserve_codes(campaign: Campaign, prize: Prize, count: int) -> list[str]:
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
                "status": "pending",
            },
        ):
            codes.append(code)
    if len(codes) < count:
        raise RuntimeError(f"could not reserve {count} unique codes for prize {prize.id}")
    db.session.commit()
    return codes


def _bulk_add(
    client: AdminGraphQL, prize: Prize, codes: list[str], sleep: Callable[[float], None]
) -> int:
    data = client.execute(
        BULK_ADD,
        {"discountId": prize.shopify_discount_id, "codes": [{"code": code} for code in codes]},
    )
    result = data["discountRedeemCodeBulkAdd"]
    if result["userErrors"]:
        _mark(prize, codes, "failed")
        raise ShopifyGraphQLError(result["userErrors"])
    status = _wait_for(client, result["bulkCreation"]["id"], sleep)
    nodes = status["codes"]["nodes"]
    created = [node["code"] for node in nodes if node.get("discountRedeemCode")]
    _mark(prize, created, "available")
    _mark(prize, [code for code in codes if code not in set(created)], "failed")
    db.session.commit()
    return len(created)


def _wait_for(client: AdminGraphQL, creation_id: str, sleep: Callable[[float], None]) -> dict:
    for pause in (*POLL_SECONDS, *([POLL_SECONDS[-1]] * 10)):
        status = client.execute(BULK_STATUS, {"id": creation_id})["discountRedeemCodeBulkCreation"]
        if status["done"]:
            return status
        sleep(pause)
    raise ShopifyTransientError(f"code creation {creation_id} still running")


def _mark(prize: Prize, codes: list[str], status: str) -> None:
    if codes:
        db.session.execute(
            update(CouponCode)
            .where(
                CouponCode.prize_id == prize.id,
                CouponCode.code.in_(codes),
                CouponCode.status == "pending",
            )
            .values(status=status)
            .execution_options(synchronize_session=False)
        )
