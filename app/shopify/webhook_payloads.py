"""Each webhook topic's payload, parsed once at the edge into the typed object its handler reads.

Field names and shapes follow Shopify's REST webhook payloads (admin API 2026-10). Parsing is
lenient where Shopify is (a null is "not sent"), strict where a handler could do harm: a
payload without its key (a cart's token, an order's id) raises ValueError, which fails the
delivery once with the reason instead of retrying it. Emails stay as Shopify sent them; the
profile normalises them.
"""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from app.shopify.payloads import line_items, money, parse_timestamp, shopify_id

# Customer fields copied to the profile as sent, when sent: a field left out changes nothing,
# a field sent as null clears it (except in a block embedded in a checkout or order).
PROFILE_FIELDS = ("first_name", "last_name", "phone", "tags")


def _object(raw) -> dict:
    if not isinstance(raw, dict):
        raise ValueError("the payload is not a JSON object")
    return raw


def _text(raw) -> str | None:
    return None if raw is None or raw == "" else str(raw)


def _attributes(raw: dict) -> dict[str, str]:
    """note_attributes [{name, value}]: the cart attributes a checkout or order carries."""
    found = {}
    for attribute in raw.get("note_attributes") or []:
        if isinstance(attribute, dict) and attribute.get("value") not in (None, ""):
            found.setdefault(str(attribute.get("name")), str(attribute["value"]))
    return found


@dataclass(frozen=True)
class Consent:
    """email_marketing_consent or sms_marketing_consent."""

    state: str
    opt_in_level: str | None
    updated_at: datetime | None

    @classmethod
    def parse(cls, raw) -> "Consent | None":
        """None when absent, or when the state is null (nothing changed, as in samples)."""
        if not isinstance(raw, dict) or raw.get("state") is None:
            return None
        return cls(
            state=str(raw["state"]).lower(),
            opt_in_level=raw.get("opt_in_level"),
            updated_at=parse_timestamp(raw.get("consent_updated_at")),
        )


@dataclass(frozen=True)
class CustomerPayload:
    """customers/create and customers/update, or the customer block of a checkout or order."""

    id: int | None
    email: str | None
    updated_at: datetime | None
    # Only the PROFILE_FIELDS the payload carried, as it carried them (None included).
    profile: dict[str, Any]
    # Older API versions send these; when present they are authoritative.
    orders_count: int | None
    total_spent: Decimal | None
    email_consent: Consent | None
    sms_consent: Consent | None
    # Customer.state: "enabled" once the customer has activated a store account.
    account_state: str | None = None

    @classmethod
    def parse(cls, raw) -> "CustomerPayload":
        raw = _object(raw)
        orders_count = raw.get("orders_count")
        total_spent = raw.get("total_spent")
        return cls(
            id=shopify_id(raw.get("id")),
            email=raw.get("email"),
            updated_at=parse_timestamp(raw.get("updated_at")),
            profile={key: raw[key] for key in PROFILE_FIELDS if key in raw},
            orders_count=int(orders_count) if orders_count is not None else None,
            total_spent=money(total_spent) if total_spent is not None else None,
            email_consent=Consent.parse(raw.get("email_marketing_consent")),
            sms_consent=Consent.parse(raw.get("sms_marketing_consent")),
            account_state=raw.get("state") if isinstance(raw.get("state"), str) else None,
        )

    @classmethod
    def block_of(cls, raw: dict) -> "CustomerPayload | None":
        """The customer block of a checkout or order, when it names someone."""
        block = raw.get("customer")
        if isinstance(block, dict) and (block.get("id") or block.get("email")):
            return cls.parse(block)
        return None


@dataclass(frozen=True)
class CustomerDeletion:
    """customers/delete: only the id."""

    id: int | None

    @classmethod
    def parse(cls, raw) -> "CustomerDeletion":
        return cls(id=shopify_id(_object(raw).get("id")))


@dataclass(frozen=True)
class ConsentUpdate:
    """customers_email_marketing_consent/update."""

    customer_id: int | None
    email: str | None
    consent: Consent | None

    @classmethod
    def parse(cls, raw) -> "ConsentUpdate":
        raw = _object(raw)
        return cls(
            customer_id=shopify_id(raw.get("customer_id")),
            email=raw.get("email_address"),
            consent=Consent.parse(raw.get("email_marketing_consent")),
        )


@dataclass(frozen=True)
class CartPayload:
    """carts/create and carts/update."""

    token: str
    created_at: datetime | None
    updated_at: datetime | None
    line_items: list[dict]
    total: Decimal
    currency: str | None

    @classmethod
    def parse(cls, raw) -> "CartPayload":
        raw = _object(raw)
        token = raw.get("token") or raw.get("id")
        if not token:
            raise ValueError("cart payload without a token")
        lines = raw.get("line_items") or []
        return cls(
            token=str(token),
            created_at=parse_timestamp(raw.get("created_at")),
            updated_at=parse_timestamp(raw.get("updated_at")),
            line_items=line_items(lines),
            total=sum((_line_total(line) for line in lines), Decimal("0")),
            currency=_cart_currency(raw, lines),
        )


def _line_total(line: dict) -> Decimal:
    # Cart lines carry line_price (after line discounts); fall back to price x quantity.
    if line.get("line_price") is not None:
        return money(line["line_price"])
    return money(line.get("price")) * int(line.get("quantity") or 0)


def _cart_currency(raw: dict, lines: list) -> str | None:
    for line in lines:
        price_set = line.get("price_set") or line.get("line_price_set") or {}
        currency = (price_set.get("shop_money") or {}).get("currency_code")
        if currency:
            return currency
    return raw.get("currency")


@dataclass(frozen=True)
class CheckoutPayload:
    """checkouts/create and checkouts/update."""

    token: str
    created_at: datetime | None
    updated_at: datetime | None
    completed_at: datetime | None
    cart_token: str | None
    email: str | None
    customer: CustomerPayload | None
    abandoned_checkout_url: str | None
    line_items: list[dict]
    subtotal: Decimal
    total: Decimal
    currency: str | None
    attributes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw) -> "CheckoutPayload":
        raw = _object(raw)
        if not raw.get("token"):
            raise ValueError("checkout payload without a token")
        return cls(
            token=str(raw["token"]),
            created_at=parse_timestamp(raw.get("created_at")),
            updated_at=parse_timestamp(raw.get("updated_at")),
            completed_at=parse_timestamp(raw.get("completed_at")),
            cart_token=_text(raw.get("cart_token")),
            email=raw.get("email"),
            customer=CustomerPayload.block_of(raw),
            abandoned_checkout_url=raw.get("abandoned_checkout_url"),
            line_items=line_items(raw.get("line_items")),
            subtotal=money(raw.get("subtotal_price")),
            total=money(raw.get("total_price")),
            currency=raw.get("currency") or raw.get("presentment_currency"),
            attributes=_attributes(raw),
        )


@dataclass(frozen=True)
class OrderPayload:
    """orders/create, orders/paid and orders/cancelled (and the orders a backfill reads)."""

    id: int
    name: str | None
    email: str | None
    customer: CustomerPayload | None
    created_at: datetime | None
    updated_at: datetime | None
    cancelled_at: datetime | None
    cart_token: str | None
    checkout_token: str | None
    subtotal: Decimal
    total: Decimal
    currency: str | None
    # [{"code", "amount", "type"}], codes as the shopper typed them.
    discount_codes: list[dict]
    financial_status: str | None
    point_of_sale: bool
    attributes: dict[str, str] = field(default_factory=dict)
    shipping_address_key: str | None = None

    @classmethod
    def parse(cls, raw) -> "OrderPayload":
        raw = _object(raw)
        order_id = shopify_id(raw.get("id"))
        if order_id is None:
            raise ValueError("order payload without an id")
        return cls(
            id=order_id,
            name=raw.get("name"),
            email=raw.get("email"),
            customer=CustomerPayload.block_of(raw),
            created_at=parse_timestamp(raw.get("created_at")),
            updated_at=parse_timestamp(raw.get("updated_at")),
            cancelled_at=parse_timestamp(raw.get("cancelled_at")),
            cart_token=_text(raw.get("cart_token")),
            checkout_token=_text(raw.get("checkout_token")),
            subtotal=money(raw.get("subtotal_price")),
            total=money(raw.get("total_price")),
            currency=raw.get("currency"),
            discount_codes=[
                {
                    "code": str(code.get("code") or ""),
                    "amount": str(money(code.get("amount"))),
                    "type": code.get("type"),
                }
                for code in raw.get("discount_codes") or []
            ],
            financial_status=raw.get("financial_status"),
            point_of_sale=raw.get("source_name") == "pos",
            attributes=_attributes(raw),
            shipping_address_key=address_key(raw.get("shipping_address")),
        )


def address_key(address) -> str | None:
    """SHA-256 of a shipping address as a person would read it: the same street, flat,
    postcode and country, whatever the case, spacing and punctuation."""
    if not isinstance(address, dict) or not address.get("address1"):
        return None
    parts = [address.get(name) or "" for name in ("address1", "address2", "zip", "country_code")]
    text = "|".join(re.sub(r"[^0-9a-z]+", "", str(part).lower()) for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class RefundPayload:
    """refunds/create: money given back on an order. A refund states no total of its own;
    its transactions of kind "refund" do (a failed one gave nothing back)."""

    id: int
    order_id: int
    amount: Decimal
    created_at: datetime | None

    @classmethod
    def parse(cls, raw) -> "RefundPayload":
        raw = _object(raw)
        refund_id, order_id = shopify_id(raw.get("id")), shopify_id(raw.get("order_id"))
        if refund_id is None or order_id is None:
            raise ValueError("refund payload without its id or order_id")
        given_back = sum(
            (
                money(transaction.get("amount"))
                for transaction in raw.get("transactions") or []
                if isinstance(transaction, dict)
                and transaction.get("kind") == "refund"
                and transaction.get("status") in (None, "success")
            ),
            Decimal("0"),
        )
        return cls(
            id=refund_id,
            order_id=order_id,
            amount=given_back,
            created_at=parse_timestamp(raw.get("processed_at") or raw.get("created_at")),
        )


@dataclass(frozen=True)
class DraftOrderPayload:
    """draft_orders/update."""

    id: int | None
    status: str
    order_id: int | None

    @classmethod
    def parse(cls, raw) -> "DraftOrderPayload":
        raw = _object(raw)
        return cls(
            id=shopify_id(raw.get("id")),
            status=str(raw.get("status") or ""),
            order_id=shopify_id(raw.get("order_id")),
        )


@dataclass(frozen=True)
class ComplianceRequest:
    """customers/data_request, customers/redact and shop/redact."""

    # Ids as text: Shopify's exceed 2**53, and a compliance request is recorded whatever
    # shape its ids arrive in.
    customer_id: str | None
    email: str | None
    phone: str | None
    # orders_requested (data_request) or orders_to_redact (redact).
    orders: list
    data_request_id: str | None

    @classmethod
    def parse(cls, raw) -> "ComplianceRequest":
        raw = _object(raw)
        customer = raw.get("customer") if isinstance(raw.get("customer"), dict) else {}
        request = raw.get("data_request") if isinstance(raw.get("data_request"), dict) else {}
        return cls(
            customer_id=_text(customer.get("id")),
            email=customer.get("email"),
            phone=_text(customer.get("phone")),
            orders=raw.get("orders_requested") or raw.get("orders_to_redact") or [],
            data_request_id=_text(request.get("id")),
        )


@dataclass(frozen=True)
class ScopesUpdate:
    """app/scopes_update: the scopes granted now, or None when Shopify sent nulls."""

    current: list[str] | str | None

    @classmethod
    def parse(cls, raw) -> "ScopesUpdate":
        return cls(current=_object(raw).get("current"))


@dataclass(frozen=True)
class AppUninstalled:
    """app/uninstalled: the shop's record, of which Baton needs nothing but the delivery."""

    @classmethod
    def parse(cls, raw) -> "AppUninstalled":
        _object(raw)
        return cls()
