"""Backfill and reconciliation through the Bulk Operations API, against a faked Shopify."""

from datetime import timedelta
from decimal import Decimal

import pytest
import responses
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.extensions import db
from app.models import BackfillRun, Customer, Order
from app.models.types import utcnow
from app.profiles import bulk
from app.profiles.imports import schedule_reconciliations
from tests.fakes.shopify_admin import FakeShopifyAdmin
from tests.shopify_signing import SHOP, bearer, session_token
from workers import backfill

# Records as Shopify's Admin API holds them; the fake exports what each bulk query selects.
CUSTOMERS = [
    {
        "id": "gid://shopify/Customer/9223372036854775807",
        "firstName": "Ana",
        "lastName": "Lima",
        "displayName": "Ana Lima",
        "defaultPhoneNumber": None,
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
        "displayName": "",
        "defaultPhoneNumber": None,
        "tags": [],
        "updatedAt": "2026-11-01T10:00:00Z",
        "numberOfOrders": "0",
        "amountSpent": {"amount": "0.0", "currencyCode": "USD"},
        "defaultEmailAddress": None,
    },
]
ORDERS = [
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
        "totalPriceSet": {"shopMoney": {"amount": "38.00", "currencyCode": "USD"}},
        "subtotalPriceSet": {"shopMoney": {"amount": "38.00", "currencyCode": "USD"}},
        "customer": {"id": "gid://shopify/Customer/9223372036854775807"},
    },
]


@pytest.fixture
def shopify():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeShopifyAdmin(mock, SHOP)
        fake.state["customers"], fake.state["orders"] = CUSTOMERS, ORDERS
        yield fake


def bulk_queries(shopify) -> list[str]:
    return [
        sent["variables"]["query"]
        for sent in shopify.requests
        if "bulkOperationRunQuery" in sent["query"]
    ]


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(bulk, "POLL_SECONDS", (0.01,))


def test_backfill_imports_customers_and_orders_with_progress(
    client, installed_shop, run_worker, shopify
):
    installed_shop()
    # A line the export should never hold: skipped and counted, not fatal.
    shopify.state["corrupt_lines"] = [{"firstName": "no id: malformed, skipped"}]
    started = client.post("/admin/api/backfill", headers=bearer(session_token()))
    assert started.status_code == 202
    again = client.post("/admin/api/backfill", headers=bearer(session_token()))
    assert again.get_json()["run"]["id"] == started.get_json()["run"]["id"]
    run_worker()

    queries = bulk_queries(shopify)
    assert len(queries) == 2 and "updated_at" not in queries[0]
    progress = client.get("/admin/api/backfill", headers=bearer(session_token())).get_json()
    assert progress["run"]["status"] == "completed" and progress["run"]["percent"] == 100
    assert progress["run"]["skipped"] == 2 and "KeyError" in progress["run"]["error"]

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


def test_backfill_never_overwrites_newer_webhook_state(client, installed_shop, run_worker, shopify):
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
    client.post("/admin/api/backfill", headers=bearer(session_token()))
    run_worker()
    ana = db.session.scalars(select(Customer).where(Customer.email == "ana@example.com")).one()
    assert (ana.first_name, ana.email_consent_state) == ("Newer", "unsubscribed")


def test_reconciliation_is_scheduled_every_six_hours_since_the_last_run(
    installed_shop, run_worker, shopify
):
    installed_shop()
    assert schedule_reconciliations() == 1
    assert schedule_reconciliations() == 0  # one is already under way
    run_worker()
    assert schedule_reconciliations() == 0  # too soon
    assert schedule_reconciliations(now=utcnow() + timedelta(hours=7)) == 1
    run_worker()
    queries = bulk_queries(shopify)
    assert len(queries) == 4 and all("updated_at:>" in query for query in queries)
    runs = db.session.scalars(select(BackfillRun).order_by(BackfillRun.id)).all()
    assert [run.kind for run in runs] == ["reconcile", "reconcile"]
    assert runs[1].since < runs[0].created_at  # overlaps the previous run


def test_refused_bulk_query_fails_the_run_visibly(client, installed_shop, run_worker, shopify):
    installed_shop()
    # Another bulk query of this app is still running: Shopify takes one at a time.
    shopify.state["bulk_operations"]["gid://shopify/BulkOperation/99"] = {"query": "", "polls": 0}
    client.post("/admin/api/backfill", headers=bearer(session_token()))
    run_worker()
    run = client.get("/admin/api/backfill", headers=bearer(session_token())).get_json()["run"]
    assert run["status"] == "failed" and "already in progress" in run["error"]


def test_an_import_without_the_scope_fails_visibly(client, installed_shop, run_worker, shopify):
    installed_shop()
    shopify.granted_scopes = "read_orders"  # no read_customers: the customers export is refused
    client.post("/admin/api/backfill", headers=bearer(session_token()))
    run_worker()
    run = client.get("/admin/api/backfill", headers=bearer(session_token())).get_json()["run"]
    assert run["status"] == "failed" and "ACCESS_DENIED" in run["error"]


def test_a_locked_database_mid_import_is_waited_out_not_left_to_rqs_retry(
    client, installed_shop, run_worker, shopify, monkeypatch, caplog
):
    # As SQLite answers when another writer held it past busy_timeout: the phase's lines
    # since its last commit are rolled back, and the export is applied again after a pause.
    monkeypatch.setattr(backfill, "DATABASE_PAUSE_SECONDS", 0.01)
    apply_line, failures = bulk.apply_line, []

    def locked_once(shop_domain, phase, node, observed_at):
        if phase == "orders" and not failures:
            failures.append(node["id"])
            raise OperationalError("INSERT INTO shop_order", {}, Exception("database is locked"))
        return apply_line(shop_domain, phase, node, observed_at)

    monkeypatch.setattr(bulk, "apply_line", locked_once)
    installed_shop()
    client.post("/admin/api/backfill", headers=bearer(session_token()))
    run_worker()

    run = client.get("/admin/api/backfill", headers=bearer(session_token())).get_json()["run"]
    assert run["status"] == "completed" and run["percent"] == 100, run
    assert failures == [ORDERS[0]["id"]]
    assert db.session.scalars(select(Order)).one().total == Decimal("38.00")
    assert "database is locked; applying again" in caplog.text
