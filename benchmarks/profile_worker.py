"""Profile worker throughput: deliveries per second that one burst worker turns into profiles.

N signed deliveries (a realistic mix of customers, consent, carts, checkouts and orders, for
N/5 shoppers) go through the real intake, then `python -m workers.main --burst` processes
them. The same-run baseline is N deliveries for a shop Baton does not know: they take the
same path (intake, dispatch, claim, finish) without the profile work, so the ratio is what
building the profile costs. A third run gives the shop a loyalty program (points, a first-order
bonus, tiers and referrals switched on): the difference is what earning points costs an order.
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
    run_in_app,
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


LOYALTY_PROGRAM = (
    "from app.loyalty.program import read_program, save_program\n"
    "    rules, errors = read_program({'enabled': True, 'first_order_bonus': 50,"
    " 'referral_points': 100, 'tiers': [{'name': 'Gold', 'min_orders': 2}]})\n"
    f"    assert not errors; save_program('{SHOP}', rules); db.session.commit()"
)
POINTS_ENTRIES = (
    "from app.models import PointsEntry; from sqlalchemy import func, select\n"
    "    print(db.session.scalar(select(func.count(PointsEntry.id))))"
)


def measure(database: str, shop: str, loyalty: bool = False) -> tuple[int, float, dict]:
    """Send the deliveries for `shop` and time how long one worker takes to process them."""
    with services(database) as (redis, database_url):
        env = app_environment(database_url, redis.url)
        prepare_database(env)
        if loyalty:
            run_in_app(env, LOYALTY_PROGRAM)
        sent = send_through_intake(env, shop)
        seconds = drain(env)
        status = count_by_status(env)
        if loyalty:
            # Each order earned its points and its first-order bonus: proof the work was done.
            status["points_entries"] = int(run_in_app(env, POINTS_ENTRIES))
        return sent, seconds, status


ROUNDS = 3  # profile and loyalty runs alternate; the fastest of each is kept


def main() -> None:
    """Baseline (unknown shop), profile and loyalty runs on SQLite and, when reachable,
    PostgreSQL."""
    print(
        f"profile_worker: {SHOPPERS * 5} deliveries ({SHOPPERS} shoppers x customer, consent,"
        f" cart, checkout, order), one burst worker; profile and loyalty runs alternate"
        f" {ROUNDS} times, the fastest of each kept"
    )
    for database in ["sqlite"] + (["postgres"] if postgres_reachable() else []):
        sent, floor_seconds, floor_status = measure(database, "unknown-shop.myshopify.com")
        plain, points = [], []
        for _ in range(ROUNDS):
            plain.append(measure(database, SHOP))
            points.append(measure(database, SHOP, loyalty=True))
        _, seconds, status = min(plain, key=lambda run: run[1])
        _, points_seconds, points_status = min(points, key=lambda run: run[1])
        floor_rate, rate, points_rate = (
            sent / floor_seconds,
            sent / seconds,
            sent / points_seconds,
        )
        print(
            f"  {database}: profiles {rate:6.0f} deliveries/s ({seconds:.1f} s, {status});"
            f" baseline (same path, no profile work) {floor_rate:6.0f}/s;"
            f" ratio {rate / floor_rate:.2f}x"
        )
        print(f"    {json.dumps(floor_status)} in the baseline run")
        per_order_ms = (points_seconds - seconds) / SHOPPERS * 1000
        print(
            f"    with a loyalty program: {points_rate:6.0f} deliveries/s ({points_seconds:.1f} s,"
            f" {points_status}); ratio {points_rate / floor_rate:.2f}x;"
            f" earning points costs {per_order_ms:+.2f} ms an order"
            f" (runs: profiles {_times(plain)}, loyalty {_times(points)})"
        )


def _times(runs) -> str:
    return "/".join(f"{seconds:.1f}" for _, seconds, _ in runs) + " s"


if __name__ == "__main__":
    main()
