"""Bonuses, lapsing points, the expiry warning and the comeback code: through signed webhooks,
the storefront, the sweeper's loyalty step and the worker, out to the Klaviyo and Mailchimp
fakes, each occasion once."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.loyalty.ledger import balance
from app.models import Customer, LoyaltyProgram, LoyaltyReward, PointsEntry
from tests import payloads
from tests.factories import win
from tests.payloads import BIG_ID
from tests.shopify_signing import SHOP, post_webhook
from workers.loyalty import run_loyalty_journeys

EMAIL = "ana@example.com"
# payloads.order() was placed at 2026-11-22T10:09:00-05:00; its points date from then.
PLACED = datetime.fromisoformat("2026-11-22T15:09:00+00:00")


@pytest.fixture
def program():
    found = LoyaltyProgram(
        shop_domain=SHOP,
        enabled=True,
        points_per_unit=Decimal("1"),
        account_bonus=30,
        signup_bonus=25,
        expiry_days=30,
        expiry_warning_days=7,
        comeback_days=60,
        comeback_value=Decimal("10.00"),
    )
    db.session.add(found)
    db.session.commit()
    return found


@pytest.fixture
def customer(client, connected, run_worker, program):
    """Ana: a store account (customers/create, state enabled) and one paid order of 38.00."""
    post_webhook(client, "customers/create", payloads.customer(consent_state="not_subscribed"))
    post_webhook(client, "orders/paid", payloads.order())
    run_worker()
    return db.session.scalar(select(Customer.id).where(Customer.shopify_id == BIG_ID))


def ledger(customer_id=None) -> list[tuple[str, int, str]]:
    query = select(PointsEntry).order_by(PointsEntry.id)
    if customer_id is not None:
        query = query.where(PointsEntry.customer_id == customer_id)
    return [(row.kind, row.points, row.source) for row in db.session.scalars(query)]


def journeys(at: datetime, run_worker) -> int:
    acted = run_loyalty_journeys(at)
    run_worker()
    return acted


def test_an_activated_account_earns_its_bonus_once(client, customer, run_worker):
    post_webhook(client, "customers/update", payloads.customer(updated_at="2026-11-23T10:00:00Z"))
    run_worker()
    assert ledger() == [("earn", 30, "account_bonus"), ("earn", 38, "order")]


def test_a_consented_popup_signup_earns_its_bonus(client, connected, program, run_worker):
    win(client, connected, email="lead@example.com")
    lead = db.session.scalar(select(Customer.id).where(Customer.email == "lead@example.com"))
    assert ledger() == [("earn", 25, "signup_bonus")]
    assert ledger(lead) == ledger()


def test_points_warn_before_they_lapse_and_lapse_after_30_idle_days(
    customer, run_worker, klaviyo, mailchimp
):
    assert balance(SHOP, customer) == 68
    assert journeys(PLACED + timedelta(days=20), run_worker) == 0  # 10 days left: no warning
    assert journeys(PLACED + timedelta(days=24), run_worker) == 1
    assert journeys(PLACED + timedelta(days=25), run_worker) == 0  # warned once, not daily

    [warning] = klaviyo.events_for(EMAIL, "Baton Points Expiring")
    assert warning.properties == {"points": 68, "expires_on": "2026-12-22"}
    assert warning.unique_id == f"baton-expiring:{customer}:2026-12-22"
    [event] = mailchimp.member("list1", EMAIL).events
    assert event["name"] == "baton_points_expiring"
    assert event["properties"] == {"points": "68", "expires_on": "2026-12-22"}

    journeys(PLACED + timedelta(days=30, seconds=1), run_worker)
    journeys(PLACED + timedelta(days=31), run_worker)
    assert ledger()[-1] == ("expire", -68, "inactivity")
    assert balance(SHOP, customer) == 0
    assert klaviyo.profile(EMAIL).properties["baton_points"] == 0
    assert mailchimp.member("list1", EMAIL).merge_fields["POINTS"] == "0"


def test_an_order_after_the_warning_keeps_the_points_and_cancels_the_warning(
    client, customer, run_worker, klaviyo, program
):
    program.expiry_warning_days = 10
    db.session.commit()
    run_loyalty_journeys(PLACED + timedelta(days=24))  # queued, not yet sent
    later = payloads.order(id=4242, checkout_token="ck-2", updated_at="2026-12-16T10:00:00Z")
    later["created_at"] = "2026-12-16T10:00:00Z"
    post_webhook(client, "orders/paid", later)
    run_worker()
    assert klaviyo.events_for(EMAIL, "Baton Points Expiring") == []
    journeys(PLACED + timedelta(days=31), run_worker)
    assert ("expire", -106, "inactivity") not in ledger()
    assert balance(SHOP, customer) == 68 + 38


def test_a_customer_gone_quiet_gets_one_comeback_code_on_every_channel(
    customer, run_worker, klaviyo, mailchimp, platforms
):
    program_day = PLACED + timedelta(days=61)
    assert journeys(program_day, run_worker) >= 1
    journeys(program_day + timedelta(days=1), run_worker)
    [gift] = db.session.scalars(select(LoyaltyReward)).all()
    assert (gift.source, gift.status, gift.points, gift.value) == (
        "comeback",
        "issued",
        0,
        Decimal("10.00"),
    )
    shopper = f"gid://shopify/Customer/{BIG_ID}"
    assert platforms.code_refusal(gift.code, gift.created_at + timedelta(hours=1), shopper) is None
    [event] = klaviyo.events_for(EMAIL, "Baton Comeback Reward")
    assert event.properties["code"] == gift.code and event.properties["value"] == "10.00"
    names = [e["name"] for e in mailchimp.member("list1", EMAIL).events]
    assert names.count("baton_comeback_reward") == 1
    assert balance(SHOP, customer) == 0  # a gift spends nothing (the points lapsed on day 30)
