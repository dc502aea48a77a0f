"""Profile worker throughput: deliveries per second that one burst worker turns into profiles.

N signed deliveries (a realistic mix of customers, consent, carts, checkouts and orders, for
N/5 shoppers) go through the real intake, then `python -m workers.main --burst` processes
them. The same-run baseline is N deliveries for a shop Baton does not know: they take the
same path (intake, dispatch, claim, finish) without the profile work, so the ratio is what
building the profile costs.
"""

import json
import subprocess
import sys

from benchmarks.harness import (
    API_SECRET,
    ROOT,
    SHOP,
    app_environment,
    count_by_status,
    drain,
    postgres_reachable,
    prepare_database,
    services,
)

SHOPPERS = 400  # five deliveries each


def shopper_deliveries(n: int, shop: str) -> list[tuple[str, dict]]:
    """One shopper's journey: profile, consent, cart, checkout, order."""
    customer_id = 7_000_000_000_000_000_000 + n
    email, cart, checkout = f"shopper{n}@example.com", f"cart-{n}", f"checkout-{n}"
    lines = [
        {
            "variant_id": 4242,
            "product_id": 77,
            "title": "Tee",
            "quantity": 2,
            "price": "19.00",
            "line_price": "38.00",
        }
    ]
    return [
        (
            "customers/update",
            {
                "id": customer_id,
                "email": email,
                "first_name": "S",
                "last_name": str(n),
                "tags": "",
                "phone": None,
                "updated_at": "2026-11-22T10:00:00Z",
                "email_marketing_consent": {
                    "state": "subscribed",
                    "opt_in_level": "single_opt_in",
                    "consent_updated_at": "2026-11-22T09:00:00Z",
                },
            },
        ),
        (
            "customers_email_marketing_consent/update",
            {
                "customer_id": customer_id,
                "email_address": email,
                "email_marketing_consent": {
                    "state": "unsubscribed",
                    "opt_in_level": None,
                    "consent_updated_at": "2026-11-22T11:00:00Z",
                },
            },
        ),
        (
            "carts/update",
            {"token": cart, "line_items": lines, "updated_at": "2026-11-22T10:05:00Z"},
        ),
        (
            "checkouts/create",
            {
                "token": checkout,
                "cart_token": cart,
                "email": email,
                "line_items": lines,
                "total_price": "38.00",
                "subtotal_price": "38.00",
                "currency": "USD",
                "created_at": "2026-11-22T10:06:00Z",
                "updated_at": "2026-11-22T10:06:00Z",
                "customer": {"id": customer_id, "email": email},
            },
        ),
        (
            "orders/create",
            {
                "id": 9_000_000_000_000_000_000 + n,
                "name": f"#{n}",
                "email": email,
                "cart_token": cart,
                "checkout_token": checkout,
                "total_price": "38.00",
                "subtotal_price": "38.00",
                "currency": "USD",
                "financial_status": "paid",
                "created_at": "2026-11-22T10:07:00Z",
                "updated_at": "2026-11-22T10:07:00Z",
                "discount_codes": [],
                "customer": {"id": customer_id, "email": email},
                "line_items": lines,
            },
        ),
    ]


def send_through_intake(env: dict, shop: str) -> int:
    """POST every delivery, signed, through the real intake endpoint (in-process client)."""
    code = f"""
import base64, hashlib, hmac, json, uuid
from app import create_app
from benchmarks.profile_worker import SHOPPERS, shopper_deliveries
client = create_app().test_client()
sent = 0
for n in range(SHOPPERS):
    for topic, payload in shopper_deliveries(n, {shop!r}):
        body = json.dumps(payload).encode()
        signature = base64.b64encode(hmac.new({API_SECRET!r}.encode(), body,
                                              hashlib.sha256).digest()).decode()
        response = client.post("/webhooks", data=body, headers={{
            "X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": {shop!r},
            "X-Shopify-Hmac-Sha256": signature, "X-Shopify-Event-Id": str(uuid.uuid4()),
            "X-Shopify-Triggered-At": "2026-11-22T12:00:00Z"}})
        assert response.status_code == 200, response.get_json()
        sent += 1
print(sent)
"""
    output = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout
    return int(output.strip().splitlines()[-1])


def measure(database: str, shop: str) -> tuple[int, float, dict]:
    """Send the deliveries for `shop` and time how long one worker takes to process them."""
    with services(database) as (redis, database_url):
        env = app_environment(database_url, redis.url)
        prepare_database(env)
        sent = send_through_intake(env, shop)
        seconds = drain(env)
        return sent, seconds, count_by_status(env)


def main() -> None:
    """Baseline (unknown shop) and profile runs on SQLite and, when reachable, PostgreSQL."""
    print(
        f"profile_worker: {SHOPPERS * 5} deliveries ({SHOPPERS} shoppers x customer, consent,"
        " cart, checkout, order), one burst worker"
    )
    for database in ["sqlite"] + (["postgres"] if postgres_reachable() else []):
        sent, floor_seconds, floor_status = measure(database, "unknown-shop.myshopify.com")
        sent, seconds, status = measure(database, SHOP)
        floor_rate, rate = sent / floor_seconds, sent / seconds
        print(
            f"  {database}: profiles {rate:6.0f} deliveries/s ({seconds:.1f} s, {status});"
            f" baseline (same path, no profile work) {floor_rate:6.0f}/s;"
            f" ratio {rate / floor_rate:.2f}x"
        )
        print(f"    {json.dumps(floor_status)} in the baseline run")


if __name__ == "__main__":
    main()
