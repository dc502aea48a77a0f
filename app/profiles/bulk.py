"""Bulk imports through the Admin GraphQL Bulk Operations API, translated to webhook shapes.

Backfill and reconciliation share this: each runs a bulk query (customers, then orders),
polls it, and streams the JSONL result line by line through the same functions the webhooks
use, so an imported record and a delivered one land exactly alike.
"""

import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import requests

from app.profiles.customers import apply_customer
from app.profiles.orders import apply_order
from app.shopify.graphql import AdminGraphQL, ShopifyGraphQLError, ShopifyTransientError
from app.shopify.webhook_payloads import CustomerPayload, OrderPayload

RUN_MUTATION = """
mutation RunBulk($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}"""
STATUS_QUERY = """
query BulkStatus($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount url } }
}"""
CUSTOMERS = """{ customers%s { edges { node {
  id firstName lastName tags updatedAt numberOfOrders defaultPhoneNumber { phoneNumber }
  amountSpent { amount currencyCode }
  defaultEmailAddress { emailAddress marketingState marketingOptInLevel marketingUpdatedAt }
} } } }"""
ORDERS = """{ orders%s { edges { node {
  id name email createdAt updatedAt cancelledAt displayFinancialStatus currencyCode
  discountCodes
  totalPriceSet { shopMoney { amount } } subtotalPriceSet { shopMoney { amount } }
  customer { id }
} } } }"""
POLL_SECONDS = (1, 2, 5, 10, 15)
DOWNLOAD_TIMEOUT = 60


def bulk_query(phase: str, since: datetime | None) -> str:
    """The bulk query for a phase, limited to records updated since a time if given."""
    template = CUSTOMERS if phase == "customers" else ORDERS
    filter_ = f"(query: \"updated_at:>'{since.isoformat()}'\")" if since else ""
    return template % filter_


def start(client: AdminGraphQL, query: str) -> str:
    """Start a bulk query; returns the operation id."""
    result = client.execute(RUN_MUTATION, {"query": query})["bulkOperationRunQuery"]
    if result["userErrors"]:
        raise ShopifyGraphQLError(result["userErrors"])
    return result["bulkOperation"]["id"]


def wait(
    client: AdminGraphQL,
    operation_id: str,
    sleep: Callable[[float], None] = time.sleep,
    deadline_seconds: float = 3600,
) -> dict:
    """Poll until the operation ends; returns its final status (url is None when empty)."""
    started = time.monotonic()
    attempt = 0
    while time.monotonic() - started < deadline_seconds:
        status = client.execute(STATUS_QUERY, {"id": operation_id})["node"]
        if status["status"] == "COMPLETED":
            return status
        if status["status"] in ("FAILED", "CANCELED", "EXPIRED"):
            raise ShopifyGraphQLError(f"bulk operation {status['status']}: {status['errorCode']}")
        sleep(POLL_SECONDS[min(attempt, len(POLL_SECONDS) - 1)])
        attempt += 1
    raise ShopifyTransientError(f"bulk operation {operation_id} still running after an hour")


def stream_lines(url: str | None) -> Iterator[dict]:
    """Download the JSONL result as a stream: a large shop's file is never held whole."""
    if not url:
        return
    with requests.get(url, stream=True, timeout=DOWNLOAD_TIMEOUT) as response:
        if response.status_code >= 500:
            raise ShopifyTransientError(f"bulk download answered {response.status_code}")
        response.raise_for_status()
        for line in response.iter_lines():
            if line:
                yield json.loads(line)


def apply_line(shop_domain: str, phase: str, node: dict, observed_at: datetime) -> None:
    """Apply one JSONL record through the webhook code path."""
    if phase == "customers":
        apply_customer(shop_domain, CustomerPayload.parse(customer_payload(node)), observed_at)
    else:
        apply_order(shop_domain, OrderPayload.parse(order_payload(node)), observed_at)


def customer_payload(node: dict) -> dict:
    """A GraphQL customer in the shape of a customers/update webhook."""
    email = node.get("defaultEmailAddress") or {}
    consent = None
    if email.get("marketingState"):
        consent = {
            "state": email["marketingState"].lower(),
            "opt_in_level": (email.get("marketingOptInLevel") or "").lower() or None,
            "consent_updated_at": email.get("marketingUpdatedAt"),
        }
    return {
        "id": node["id"],
        "email": email.get("emailAddress"),
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "phone": (node.get("defaultPhoneNumber") or {}).get("phoneNumber"),
        "tags": ", ".join(node.get("tags") or []),
        "updated_at": node.get("updatedAt"),
        "orders_count": node.get("numberOfOrders"),
        "total_spent": (node.get("amountSpent") or {}).get("amount"),
        "email_marketing_consent": consent,
    }


def order_payload(node: dict) -> dict:
    """A GraphQL order in the shape of an orders/create webhook."""
    customer = node.get("customer") or None
    return {
        "id": node["id"],
        "name": node.get("name"),
        "email": node.get("email"),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "currency": node.get("currencyCode"),
        "financial_status": (node.get("displayFinancialStatus") or "").lower() or None,
        "total_price": _shop_money(node, "totalPriceSet"),
        "subtotal_price": _shop_money(node, "subtotalPriceSet"),
        "discount_codes": [
            {"code": code, "amount": "0", "type": None} for code in node.get("discountCodes") or []
        ],
        # Only the id: the order's contact email is not necessarily the customer's.
        "customer": {"id": customer["id"]} if customer else None,
    }


def _shop_money(node: dict, field: str) -> str | None:
    return ((node.get(field) or {}).get("shopMoney") or {}).get("amount")
