"""What the demo store's Shopify holds from before Baton was installed, for the history import.

The seeded month (history.py) is what Baton itself saw. A real store also has customers and
orders from before the install, which only the history import (Shopify's bulk queries) can
bring in. The demo's Shopify fake holds a few of those, so "Import history" on the setup
checklist imports something real. Deterministic: a fixed seed, dates relative to now.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from app.models.types import utcnow

SEED = 20261129
CUSTOMERS = 24
FIRST_NAMES = ("Alma", "Bruno", "Clara", "Dario", "Elena", "Felix", "Greta", "Hugo", "Ines")
CUSTOMER_ID, ORDER_ID = 700_000, 700_000


def store_history(now: datetime | None = None) -> dict[str, list[dict]]:
    """Customer and Order nodes as the Admin API's bulk queries export them."""
    now = now or utcnow()
    rng = random.Random(SEED)
    customers, orders = [], []
    for number in range(1, CUSTOMERS + 1):
        first = FIRST_NAMES[number % len(FIRST_NAMES)]
        customer_id = f"gid://shopify/Customer/{CUSTOMER_ID + number}"
        placed = [
            now - timedelta(days=rng.randint(45, 150), hours=rng.randint(0, 23))
            for _ in range(1 if rng.random() < 0.7 else 2)
        ]
        totals = [Decimal(rng.randint(25, 140)) for _ in placed]
        for when, total in zip(sorted(placed), totals, strict=True):
            orders.append(_order(len(orders) + 1, customer_id, first, number, when, total))
        subscribed = rng.random() < 0.55
        customers.append(
            {
                "id": customer_id,
                "firstName": first,
                "lastName": "Earlier",
                "tags": ["before-baton"],
                "updatedAt": _iso(max(placed)),
                "numberOfOrders": str(len(placed)),
                "defaultPhoneNumber": None,
                "amountSpent": {"amount": str(sum(totals)), "currencyCode": "EUR"},
                "defaultEmailAddress": {
                    "emailAddress": _email(first, number),
                    "marketingState": "SUBSCRIBED" if subscribed else "NOT_SUBSCRIBED",
                    "marketingOptInLevel": "SINGLE_OPT_IN" if subscribed else None,
                    "marketingUpdatedAt": _iso(min(placed)) if subscribed else None,
                },
            }
        )
    return {"customers": customers, "orders": orders}


def _order(number: int, customer_id: str, first: str, customer: int, placed, total) -> dict:
    money = {"shopMoney": {"amount": str(total), "currencyCode": "EUR"}}
    return {
        "id": f"gid://shopify/Order/{ORDER_ID + number}",
        "name": f"#A{1000 + number}",
        "email": _email(first, customer),
        "createdAt": _iso(placed),
        "updatedAt": _iso(placed + timedelta(minutes=5)),
        "cancelledAt": None,
        "displayFinancialStatus": "PAID",
        "currencyCode": "EUR",
        "discountCodes": [],
        "totalPriceSet": money,
        "subtotalPriceSet": money,
        "customer": {"id": customer_id},
    }


def _email(first: str, number: int) -> str:
    return f"{first.lower()}.earlier{number}@example.com"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
