"""Draft orders from live carts: made once per cart, sent as an invoice, completed by webhook.

The row comes first: it is inserted (unique per cart) before Shopify is asked, so a double
click, or two staff at once, make one draft order. A failed attempt is marked failed and may
be tried again, and so may one whose request died (a "creating" row left by a killed worker).

draftOrderCreate and draftOrderInvoiceSend are not idempotent, and a request that timed out
may have run. So each draft carries a tag naming its cart, looked up before creating again,
and an invoice is sent again only if Shopify's invoiceSentAt shows the last one did not go.
"""

import hashlib
import logging
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import and_, or_, select, update

from app.emails import normalise_email
from app.extensions import db
from app.models import AssistedDraft, Cart, CouponCode
from app.models.types import utcnow
from app.problems import Conflict, Invalid, Problem, Unavailable, Upstream
from app.profiles.orders import mark_assisted
from app.shopify.graphql import (
    ShopifyAuthError,
    ShopifyGraphQLError,
    ShopifyTransientError,
)
from app.shopify.payloads import parse_timestamp
from app.shopify.webhook_payloads import DraftOrderPayload
from app.shops import ShopUnavailable, admin_client_for, find_shop
from app.upserts import insert_ignore

CREATE = """
mutation AssistedDraft($input: DraftOrderInput!) {
  draftOrderCreate(input: $input) {
    draftOrder { id name status invoiceUrl }
    userErrors { field message }
  }
}"""
FIND_BY_TAG = """
query CartDraft($query: String!) {
  draftOrders(first: 1, query: $query) { nodes { id name status invoiceUrl } }
}"""
INVOICE_STATE = """
query DraftInvoice($id: ID!) {
  draftOrder(id: $id) { id invoiceSentAt }
}"""
SEND_INVOICE = """
mutation AssistedInvoice($id: ID!, $email: EmailInput) {
  draftOrderInvoiceSend(id: $id, email: $email) {
    draftOrder { id status invoiceSentAt }
    userErrors { field message }
  }
}"""
VARIANT = "gid://shopify/ProductVariant/{}"
# A "creating" row older than this belongs to a request that died: it may be tried again.
STUCK_AFTER = timedelta(minutes=2)
# Within gunicorn's 30 s, with room to answer: a slow Shopify is a 503 to retry, not a kill.
WEB_DEADLINE_SECONDS = 20
log = logging.getLogger(__name__)


def draft_for_cart(
    cart: Cart, email: str | None, discount: dict, staff: str | None
) -> tuple[AssistedDraft, bool]:
    """The cart's draft order, made now if there is none; (draft, made_now)."""
    lines = _draft_lines(cart)
    created = insert_ignore(
        AssistedDraft,
        {
            "shop_domain": cart.shop_domain,
            "cart_token": cart.token,
            "status": "creating",
            "line_items": cart.line_items or [],
            "discount": discount,
            "email": email,
            "customer_id": cart.customer_id,
            "created_by": staff,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
    ) or _retry_failed(cart)
    draft = draft_of(cart)
    db.session.commit()  # the claim is visible to the second click before Shopify is asked
    if not created:
        return draft, False
    draft.email, draft.discount, draft.line_items = email, discount, cart.line_items or []
    try:
        order = _existing_draft(cart) or _create_draft(cart, lines, email, discount)
    except Problem as error:
        draft.status, draft.last_error = "failed", error.message
        db.session.commit()
        raise
    draft.status, draft.draft_order_id, draft.name = "open", order["id"], order["name"]
    draft.invoice_url, draft.last_error = order["invoiceUrl"], None
    draft.total = cart.total
    db.session.commit()
    return draft, True


def cart_tag(cart_token: str) -> str:
    """The tag that finds this cart's draft in Shopify (tags hold 40 characters)."""
    return "baton-cart-" + hashlib.sha256(cart_token.encode()).hexdigest()[:24]


def _existing_draft(cart: Cart) -> dict | None:
    # A create that timed out may have run: find it by its tag before making another.
    query = f"tag:'{cart_tag(cart.token)}'"
    found = _shopify(cart.shop_domain, FIND_BY_TAG, {"query": query})["draftOrders"]["nodes"]
    return found[0] if found else None


def _create_draft(cart: Cart, lines: list[dict], email: str | None, discount: dict) -> dict:
    variables = {"input": _input(lines, email, discount, cart_tag(cart.token))}
    result = _shopify(cart.shop_domain, CREATE, variables)["draftOrderCreate"]
    _refused(result, "draft_refused", "Shopify refused the draft order")
    return result["draftOrder"]


def draft_of(cart: Cart) -> AssistedDraft | None:
    return db.session.scalar(
        select(AssistedDraft).where(
            AssistedDraft.shop_domain == cart.shop_domain, AssistedDraft.cart_token == cart.token
        )
    )


def send_invoice(draft: AssistedDraft, to: str | None) -> AssistedDraft:
    """Email the invoice (Shopify sends it) to the draft's address or the one given."""
    if draft.status not in ("open", "invoice_sent") or not draft.draft_order_id:
        raise Conflict("draft_not_open", f"The draft order is {draft.status}.")
    variables = {"id": draft.draft_order_id}
    if to:
        variables["email"] = {"to": to}
    elif not draft.email:
        raise Invalid(
            "email_required",
            "The shopper has no email: enter one to send the invoice to.",
            fields={"to": "is required"},
        )
    if _sent_unrecorded(draft):
        return draft
    result = _shopify(draft.shop_domain, SEND_INVOICE, variables)["draftOrderInvoiceSend"]
    _refused(result, "invoice_refused", "Shopify did not send the invoice")
    draft.status, draft.invoice_sent_at = "invoice_sent", utcnow()
    if to:
        draft.email = to
    db.session.commit()
    return draft


def usable_code(shop_domain: str, code: str | None) -> str:
    """The shopper's Baton code, if it can still be used; else a clear 400."""
    coupon = db.session.scalar(
        select(CouponCode).where(CouponCode.shop_domain == shop_domain, CouponCode.code == code)
    )
    if coupon is None:
        raise Invalid("unknown_code", "That is not a Baton code of this shop.")
    if coupon.redeemed_at or (coupon.expires_at and coupon.expires_at <= utcnow()):
        raise Invalid("code_not_valid", "That code was already used or has expired.")
    return coupon.code


def staff_discount(kind: str, raw) -> dict:
    """{"percentage": 10} or {"amount": "5.00"}, checked."""
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if kind == "percentage" and 0 < value <= 100:
        return {"percentage": float(value)}
    if kind == "amount" and value > 0:
        return {"amount": str(value.quantize(Decimal("0.01")))}
    raise Invalid(
        "invalid_discount",
        "A staff discount is a percentage from 0 to 100, or an amount above 0.",
        fields={"discount.value": "out of range"},
    )


def checked_email(raw) -> str | None:
    if raw in (None, ""):
        return None
    email = normalise_email(raw)
    if email is None:
        raise Invalid(
            "invalid_email", "That is not an email address.", fields={"email": "is invalid"}
        )
    return email


def apply_draft_order(shop_domain: str, payload: DraftOrderPayload, observed_at) -> None:
    """draft_orders/update: a completed draft names its order, which becomes assisted."""
    draft_id = f"gid://shopify/DraftOrder/{payload.id}"
    draft = db.session.scalar(
        select(AssistedDraft).where(
            AssistedDraft.shop_domain == shop_domain, AssistedDraft.draft_order_id == draft_id
        )
    )
    if draft is None:
        return  # made by someone else, not from a Baton cart
    if payload.status == "invoice_sent" and draft.status == "open":
        draft.status = "invoice_sent"
    if payload.status == "completed" and payload.order_id:
        draft.status, draft.order_shopify_id = "completed", payload.order_id
        draft.completed_at = draft.completed_at or observed_at
        mark_assisted(shop_domain, payload.order_id)


def _sent_unrecorded(draft: AssistedDraft) -> bool:
    # A send that timed out may have gone: Shopify's invoiceSentAt newer than what Baton
    # recorded means it did, so it is recorded now instead of emailing the shopper twice.
    state = _shopify(draft.shop_domain, INVOICE_STATE, {"id": draft.draft_order_id})
    sent_at = parse_timestamp((state["draftOrder"] or {}).get("invoiceSentAt"))
    if sent_at is None or (draft.invoice_sent_at and sent_at <= draft.invoice_sent_at):
        return False
    draft.status, draft.invoice_sent_at = "invoice_sent", sent_at
    db.session.commit()
    return True


def _retry_failed(cart: Cart) -> bool:
    # Only one of two simultaneous retries wins the row back: a failed attempt, or one whose
    # request died while it was creating.
    stuck = and_(
        AssistedDraft.status == "creating", AssistedDraft.updated_at < utcnow() - STUCK_AFTER
    )
    return (
        db.session.execute(
            update(AssistedDraft)
            .where(
                AssistedDraft.shop_domain == cart.shop_domain,
                AssistedDraft.cart_token == cart.token,
                or_(AssistedDraft.status == "failed", stuck),
            )
            .values(status="creating", updated_at=utcnow())
        ).rowcount
        > 0
    )


def _draft_lines(cart: Cart) -> list[dict]:
    lines = []
    for line in cart.line_items or []:
        quantity = int(line.get("quantity") or 0)
        if quantity < 1:
            continue
        if line.get("variant_id"):
            lines.append({"variantId": VARIANT.format(line["variant_id"]), "quantity": quantity})
        else:
            lines.append(
                {
                    "title": line.get("title") or "Item",
                    "originalUnitPriceWithCurrency": {
                        "amount": str(line.get("price") or "0"),
                        "currencyCode": cart.currency or "USD",
                    },
                    "quantity": quantity,
                }
            )
    if not lines:
        raise Conflict("empty_cart", "The cart is empty: there is nothing to put in a draft.")
    return lines


def _input(lines: list[dict], email: str | None, discount: dict, tag: str) -> dict:
    given = {"lineItems": lines, "tags": ["baton-assisted", tag]}
    if email:
        given["email"] = email
    if discount.get("code"):
        given["discountCodes"] = [discount["code"]]
    elif discount.get("percentage"):
        given["appliedDiscount"] = {
            "valueType": "PERCENTAGE",
            "value": discount["percentage"],
            "title": "Staff discount",
        }
    elif discount.get("amount"):
        given["appliedDiscount"] = {
            "valueType": "FIXED_AMOUNT",
            "value": float(discount["amount"]),
            "title": "Staff discount",
        }
    return given


def _refused(result: dict, code: str, what: str) -> None:
    # Shopify's userErrors, in its own words, as a 400 the merchant can act on.
    if result["userErrors"]:
        messages = "; ".join(error["message"] for error in result["userErrors"])
        raise Invalid(code, f"{what}: {messages}")


def _shopify(shop_domain: str, query: str, variables: dict) -> dict:
    shop = find_shop(shop_domain)
    try:
        return admin_client_for(shop, WEB_DEADLINE_SECONDS).execute(query, variables)
    except (ShopifyTransientError, ShopUnavailable) as error:
        log.warning("draft order call for %s did not get through: %s", shop_domain, error)
        raise Unavailable(
            "shopify_unavailable",
            "Shopify did not answer in time. Nothing was created; try again in a moment.",
            retry_after=5,
        ) from error
    except (ShopifyGraphQLError, ShopifyAuthError) as error:
        log.warning("draft order call for %s failed: %s", shop_domain, error)
        raise Upstream(
            "shopify_refused",
            "Shopify refused the request. Reload the page; if it happens again, reinstall"
            " Baton from your Shopify admin so it gets the access it needs.",
        ) from error
