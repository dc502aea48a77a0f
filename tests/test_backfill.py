"""Backfill and reconciliation through the Bulk Operations API, against a faked Shopify."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
import responses
from sqlalchemy import select

from app.demo.shopify_fake import COST
from app.extensions import db
from app.models import BackfillRun, Customer, Order
from app.models.types import utcnow
from app.profiles import bulk
from app.profiles.imports import schedule_reconciliations
from tests.shopify_signing import SHOP, bearer, session_token

GRAPHQL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
RESULT_URL = "https://storage.example/bulk/{}.jsonl"

CUSTOMER_LINES = [
    {
        "id": "gid://shopify/Customer/9223372036854775807",
        "firstName": "Ana",
        "lastName": "Lima",
        "phone": None,
        "tags": ["vip"],
        "updatedAt": "2026-11-01T10:00:00Z",
        "numberOfOrders": "7",
        "amountSpent": {"amount": "412.50", "currencyCode": "USD"},
        "defaultEmailAddress": {
            "emailAddress": "ana@example.com",
            "marketingState": "SUBSCRIBED",
            "marketingOptInLevel": "SINGLE_OPT_IN",
            "marketingUpdatedAt": "2026-10-01T10:00:00Z",
        },
    },
    {
        "id": "gid://shopify/Customer/42",
        "firstName": None,
        "lastName": None,
        "phone": None,
        "tags": [],
        "updatedAt": "2026-11-01T10:00:00Z",
        "numberOfOrders": "0",
        "amountSpent": {"amount": "0.0", "currencyCode": "USD"},
        "defaultEmailAddress": None,
    },
    {"firstName": "no id: malformed, skipped"},
]
ORDER_LINES = [
    {
        "id": "gid://shopify/Order/820982911946154508",
        "name": "#1001",
        "email": "ana@example.com",
        "createdAt": "2026-11-02T10:00:00Z",
        "updatedAt": "2026-11-02T10:05:00Z",
        "cancelledAt": None,
        "displayFinancialStatus": "PAID",
        "currencyCode": "USD",
        "discountCodes": [],
        "totalPriceSet": {"shopMoney": {"amount": "38.00"}},
        "subtotalPriceSet": {"shopMoney": {"amount": "38.00"}},
        "customer": {"id": "gid://shopify/Customer/9223372036854775807"},
    },
]


class FakeBulkShopify:
    """Answers bulk mutations, status polls and result downloads the way Shopify does."""

    def __init__(self, mock: responses.RequestsMock):
        self.queries: list[str] = []
        self.polls: dict[str, int] = {}
        mock.add_callback(responses.POST, GRAPHQL, callback=self.graphql)
        for phase, lines in (("customers", CUSTOMER_LINES), ("orders", ORDER_LINES)):
            mock.add(
                responses.GET,
                RESULT_URL.format(phase),
                body="\n".join(json.dumps(line) for line in lines) + "\n",
            )

    def graphql(self, request):
        body = json.loads(request.body)
        assert request.headers["X-Shopify-Access-Token"] == "shpat_installed"
        if "bulkOperationRunQuery" in body["query"]:
            query = body["variables"]["query"]
            self.queries.append(query)
            phase = "customers" if "customers" in query else "orders"
            data = {
                "bulkOperationRunQuery": {
                    "bulkOperation": {
                        "id": f"gid://shopify/BulkOperation/{phase}",
                        "status": "CREATED",
                    },
                    "userErrors": [],
                }
            }
        else:
            operation = body["variables"]["id"]
            self.polls[operation] = self.polls.get(operation, 0) + 1
            phase = operation.rsplit("/", 1)[1]
            done = self.polls[operation] > 1
            data = {
                "node": {
                    "id": operation,
                    "status": "COMPLETED" if done else "RUNNING",
                    "errorCode": None,
                    "objectCount": str(
                        len(CUSTOMER_LINES if phase == "customers" else ORDER_LINES)
                    ),
                    "url": RESULT_URL.format(phase) if done else None,
                }
            }
        return 200, {}, json.dumps({"data": data, "extensions": COST})


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(bulk, "POLL_SECONDS", (0.01,))


def test_backfill_imports_customers_and_orders_with_progress(client, installed_shop, run_worker):
    installed_shop()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeBulkShopify(mock)
        started = client.post("/admin/api/backfill", headers=bearer(session_token()))
        assert started.status_code == 202
        again = client.post("/admin/api/backfill", headers=bearer(session_token()))
        assert again.get_json()["run"]["id"] == started.get_json()["run"]["id"]
        run_worker()

    assert len(fake.queries) == 2 and "updated_at" not in fake.queries[0]
    progress = client.get("/admin/api/backfill", headers=bearer(session_token())).get_json()
    assert progress["run"]["status"] == "completed" and progress["run"]["percent"] == 100
    assert progress["run"]["skipped"] == 1 and "KeyError" in progress["run"]["error"]

    ana = db.session.scalars(select(Customer).where(Customer.email == "ana@example.com")).one()
    assert ana.shopify_id == 9223372036854775807
    assert (ana.orders_count, ana.total_spent) == (7, Decimal("412.50"))
    assert (ana.email_consent_state, ana.email_consent_opt_in_level) == (
        "subscribed",
        "single_opt_in",
    )
    order = db.session.scalars(select(Order)).one()
    assert (order.customer_id, order.financial_status, order.total) == (
        ana.id,
        "paid",
        Decimal("38.00"),
    )


def test_backfill_never_overwrites_newer_webhook_state(client, installed_shop, run_worker):
    installed_shop()
    db.session.add(
        Customer(
            shop_domain=SHOP,
            shopify_id=9223372036854775807,
            email="ana@example.com",
            first_name="Newer",
            source_updated_at=utcnow(),
            email_consent_state="unsubscribed",
            email_consent_updated_at=utcnow(),
        )
    )
    db.session.commit()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FakeBulkShopify(mock)
        client.post("/admin/api/backfill", headers=bearer(session_token()))
        run_worker()
    ana = db.session.scalars(select(Customer).where(Customer.email == "ana@example.com")).one()
    assert (ana.first_name, ana.email_consent_state) == ("Newer", "unsubscribed")


def test_reconciliation_is_scheduled_every_six_hours_since_the_last_run(installed_shop, run_worker):
    installed_shop()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeBulkShopify(mock)
        assert schedule_reconciliations() == 1
        assert schedule_reconciliations() == 0  # one is already under way
        run_worker()
        assert schedule_reconciliations() == 0  # too soon
        assert schedule_reconciliations(now=utcnow() + timedelta(hours=7)) == 1
        run_worker()
    assert all("updated_at:>" in query for query in fake.queries)
    runs = db.session.scalars(select(BackfillRun).order_by(BackfillRun.id)).all()
    assert [run.kind for run in runs] == ["reconcile", "reconcile"]
    assert runs[1].since < runs[0].created_at  # overlaps the previous run


def test_refused_bulk_query_fails_the_run_visibly(client, installed_shop, run_worker):
    installed_shop()
    with responses.RequestsMock() as mock:
        mock.add(
            responses.POST,
            GRAPHQL,
            json={
                "data": {
                    "bulkOperationRunQuery": {
                        "bulkOperation": None,
                        "userErrors": [
                            {
                                "field": ["query"],
                                "message": "A bulk query operation is already running",
                            }
                        ],
                    }
                },
                "extensions": COST,
            },
        )
        client.post("/admin/api/backfill", headers=bearer(session_token()))
        run_worker()
    run = client.get("/admin/api/backfill", headers=bearer(session_token())).get_json()["run"]
    assert run["status"] == "failed" and "already running" in run["error"]
