"""Backfill: the admin starts it, the bulk worker sends every existing customer page by page,
and nobody suppressed anywhere comes out subscribed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Customer
from app.models.types import utcnow
from app.sync.platforms.mailchimp import MAILCHIMP
from app.sync.platforms.mailchimp_audience import MailchimpAudience
from tests.shopify_signing import SHOP, bearer, session_token

CUSTOMERS = 25
SHOPIFY_UNSUBSCRIBED = "c3@example.com"
KLAVIYO_SUPPRESSED = "c4@example.com"
MAILCHIMP_UNSUBSCRIBED = "c5@example.com"


@pytest.fixture
def customers(connected):
    """Customers Baton already knew before the platform was connected: even ones consented."""
    now = utcnow()
    for n in range(CUSTOMERS):
        email = f"c{n}@example.com"
        state = "subscribed" if n % 2 == 1 or n in (4, 5) else "not_subscribed"
        if email == SHOPIFY_UNSUBSCRIBED:
            state = "unsubscribed"
        db.session.add(
            Customer(
                shop_domain=SHOP,
                shopify_id=9000 + n,
                email=email,
                first_name=f"Customer {n}",
                orders_count=n % 3,
                total_spent=Decimal(n * 10),
                last_order_at=now - timedelta(days=n),
                email_consent_state=state,
                email_consent_updated_at=now - timedelta(days=100),
            )
        )
    db.session.commit()
    consented = {f"c{n}@example.com" for n in range(CUSTOMERS) if n % 2 == 1 or n in (4, 5)}
    return consented - {SHOPIFY_UNSUBSCRIBED}


def start(client, platform: str, token=None):
    headers = bearer(token or session_token())
    return client.post(f"/admin/api/connections/{platform}/backfill", headers=headers)


def progress(client, platform: str) -> dict:
    headers = bearer(session_token())
    return client.get(f"/admin/api/connections/{platform}/backfill", headers=headers).get_json()


def test_klaviyo_backfill_imports_everyone_and_subscribes_only_the_unsuppressed_consented(
    client, customers, run_worker, klaviyo
):
    klaviyo.suppress(KLAVIYO_SUPPRESSED)  # unsubscribed in Klaviyo before Baton was connected
    first = start(client, "klaviyo")
    assert first.status_code == 202 and first.get_json()["status"] == "queued"
    assert start(client, "klaviyo").get_json()["id"] == first.get_json()["id"]  # a double click
    run_worker()
    run = progress(client, "klaviyo")
    assert (run["status"], run["sent"], run["total"], run["percent"]) == ("done", 25, 25, 100)
    assert run["held_back"] == 1 and run["subscribed"] == len(customers) - 1
    assert klaviyo.profile("c7@example.com").properties["shopify_orders_count"] == 1
    subscribed = {f"c{n}@example.com" for n in range(CUSTOMERS)}
    subscribed = {email for email in subscribed if klaviyo.is_subscribed(email, "list1")}
    assert subscribed == customers - {KLAVIYO_SUPPRESSED}
    assert klaviyo.is_suppressed(KLAVIYO_SUPPRESSED)
    paths = [path.split("?")[0] for _, path in klaviyo.requests]
    assert paths.count("/api/profile-bulk-import-jobs") == 1
    assert paths.count("/api/profile-subscription-bulk-create-jobs") == 1
    listed = client.get("/admin/api/connections", headers=bearer(session_token())).get_json()
    assert listed["connections"][0]["backfill"]["status"] == "done"


def test_mailchimp_backfill_sends_pages_of_members_and_never_changes_an_existing_status(
    client, customers, run_worker, mailchimp, monkeypatch
):
    # Someone already in the audience who unsubscribed there, before the backfill ran.
    MailchimpAudience("key-us1", "list1", mailchimp.url).upsert_lead(
        MAILCHIMP_UNSUBSCRIBED, "subscribed", {}, []
    )
    mailchimp.unsubscribe("list1", MAILCHIMP_UNSUBSCRIBED)
    assert start(client, "mailchimp").status_code == 202
    monkeypatch.setattr(MAILCHIMP, "backfill_page_size", 10)
    before = [path for _, path in mailchimp.requests].count("/3.0/lists/list1")
    run_worker()
    run = progress(client, "mailchimp")
    assert (run["status"], run["sent"]) == ("done", 25)
    assert [path for _, path in mailchimp.requests].count("/3.0/lists/list1") - before == 3
    for n in range(CUSTOMERS):
        email = f"c{n}@example.com"
        expected = "subscribed" if email in customers else "transactional"
        if email in (SHOPIFY_UNSUBSCRIBED, MAILCHIMP_UNSUBSCRIBED):
            expected = "unsubscribed"
        assert mailchimp.status("list1", email) == expected, email
    assert mailchimp.member("list1", "c7@example.com").merge_fields["ORDERS"] == "1"


def test_an_outage_mid_backfill_is_waited_out_and_the_run_carries_on(
    client, customers, run_worker, mailchimp, monkeypatch
):
    monkeypatch.setattr(MAILCHIMP, "backfill_page_size", 10)
    start(client, "mailchimp")
    mailchimp.fail_next(503, retry_after=1)
    run_worker()
    run = progress(client, "mailchimp")
    assert (run["status"], run["sent"], run["error"]) == ("done", 25, None)
    assert sum(mailchimp.status("list1", f"c{n}@example.com") is not None for n in range(25)) == 25


def test_backfill_routes_need_the_shops_token_and_a_connection(client, customers, installed_shop):
    assert client.post("/admin/api/connections/klaviyo/backfill").status_code == 401
    installed_shop("other-shop.myshopify.com", token="shpat_other")
    other = session_token(shop="other-shop.myshopify.com")
    assert start(client, "klaviyo", token=other).status_code == 404  # not that shop's account
    assert start(client, "sms").status_code == 404
    missing = client.get("/admin/api/connections/klaviyo/backfill", headers=bearer(session_token()))
    assert missing.status_code == 404


def test_a_klaviyo_page_is_cut_to_the_5_mb_limit_and_the_rest_follows(
    client, customers, run_worker, klaviyo
):
    # 25 customers with 250 kB of Shopify tags each: over 6 MB, more than one import job holds.
    tags = ",".join(f"tag-{n:06d}" for n in range(25_000))
    for found in db.session.scalars(select(Customer)):
        found.tags = tags
    db.session.commit()
    start(client, "klaviyo")
    run_worker()
    run = progress(client, "klaviyo")
    assert (run["status"], run["sent"], run["error"]) == ("done", 25, None)
    paths = [path.split("?")[0] for _, path in klaviyo.requests]
    assert paths.count("/api/profile-bulk-import-jobs") == 2  # the fake answers 413 above 5 MiB
    assert all(
        len(klaviyo.profile(f"c{n}@example.com").properties["shopify_tags"]) == 25_000
        for n in range(CUSTOMERS)
    )
