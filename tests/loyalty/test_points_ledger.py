"""The points ledger, earned and reversed from signed order webhooks through the worker."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.loyalty.ledger import balance, lifetime_points, record_entry
from app.models import Customer, DeliveryStatus, LoyaltyProgram, PointsEntry, WebhookDelivery
from app.models.types import utcnow
from tests import payloads
from tests.payloads import BIG_ID
from tests.shopify_signing import SHOP, post_webhook
from workers.sweeper import sweep_deliveries


@pytest.fixture(autouse=True)
def shop(installed_shop):
    return installed_shop()


@pytest.fixture
def program():
    """The shop's program: a point per dollar paid, 50 for a first order."""
    found = LoyaltyProgram(
        shop_domain=SHOP, enabled=True, points_per_unit=Decimal("1"), first_order_bonus=50
    )
    db.session.add(found)
    db.session.commit()
    return found


@pytest.fixture
def deliver(client, run_worker):
    """Signed deliveries through intake, each its own event, then the worker."""

    def send(*deliveries):
        for topic, payload in deliveries:
            assert post_webhook(client, topic, payload).status_code == 200
        run_worker()

    return send


def member() -> Customer:
    return db.session.scalar(select(Customer).where(Customer.shopify_id == BIG_ID))


def entries() -> list[tuple[str, int, str]]:
    rows = db.session.scalars(select(PointsEntry).order_by(PointsEntry.id))
    return [(row.kind, row.points, row.source) for row in rows]


def test_a_paid_order_earns_once_whatever_is_replayed(program, deliver):
    pending = payloads.order(financial_status="pending", updated_at="2026-11-22T10:09:30-05:00")
    paid = payloads.order()
    # Created unpaid, then paid, then Shopify's retry of orders/paid under a new event id.
    deliver(("orders/create", pending), ("orders/paid", paid), ("orders/paid", paid))
    assert entries() == [("earn", 38, "order"), ("earn", 50, "first_order")]
    assert balance(SHOP, member().id) == 88
    assert lifetime_points(SHOP, member().id) == 88


def test_points_are_whole_and_never_rounded_up(program, deliver):
    program.points_per_unit, program.first_order_bonus = Decimal("2.5"), 0
    db.session.commit()
    deliver(("orders/paid", payloads.order(total="38.99")))
    assert entries() == [("earn", 97, "order")]  # 97.475 points


def test_a_cancelled_order_gives_back_what_it_earned(program, deliver):
    deliver(("orders/paid", payloads.order()))
    cancelled = payloads.cancelled_order()
    deliver(("orders/cancelled", cancelled), ("orders/cancelled", cancelled))
    assert entries() == [
        ("earn", 38, "order"),
        ("earn", 50, "first_order"),
        ("reverse", -88, "cancellation"),
    ]
    assert balance(SHOP, member().id) == 0
    assert lifetime_points(SHOP, member().id) == 88


def test_a_cancellation_that_arrives_first_leaves_nothing_to_earn(program, deliver):
    # Shopify does not promise order: the older paid delivery must not earn afterwards.
    deliver(("orders/cancelled", payloads.cancelled_order()), ("orders/paid", payloads.order()))
    assert entries() == []


def test_only_the_first_order_earns_the_bonus(program, deliver):
    deliver(
        ("orders/paid", payloads.order(id=1001, checkout_token="ck-1", cart_token="c-1")),
        ("orders/paid", payloads.order(id=1002, checkout_token="ck-2", cart_token="c-2")),
    )
    assert entries() == [
        ("earn", 38, "order"),
        ("earn", 50, "first_order"),
        ("earn", 38, "order"),
    ]


def test_no_points_without_a_program_switched_on_or_for_a_guest(program, deliver):
    program.enabled = False
    db.session.commit()
    deliver(("orders/paid", payloads.order()))
    assert entries() == []
    program.enabled = True
    db.session.commit()
    deliver(("orders/paid", payloads.order(id=2002, customer_id=None, email=None)))
    assert entries() == []


def test_an_unknown_entry_kind_is_refused(program):
    db.session.add(Customer(shop_domain=SHOP, shopify_id=BIG_ID))
    db.session.flush()
    with pytest.raises(ValueError, match="unknown ledger entry kind"):
        record_entry(SHOP, member().id, "gift", 10, "staff", "k1", utcnow())


def test_a_refund_takes_back_the_points_its_money_earned_once(program, deliver):
    deliver(("orders/paid", payloads.order()))
    refund = payloads.refund(amount="19.00")
    deliver(("refunds/create", refund), ("refunds/create", refund))
    assert entries()[-1] == ("reverse", -19, "refund")
    assert balance(SHOP, member().id) == 38 + 50 - 19


def test_a_whole_refund_takes_back_the_bonus_too_and_never_more(program, deliver):
    deliver(("orders/paid", payloads.order()))
    deliver(
        ("refunds/create", payloads.refund(id=1, amount="19.00")),
        ("refunds/create", payloads.refund(id=2, amount="38.00")),
    )
    assert [points for _, points, _ in entries()] == [38, 50, -19, -69]
    assert balance(SHOP, member().id) == 0


def test_a_failed_refund_transaction_gives_nothing_back(program, deliver):
    deliver(("orders/paid", payloads.order()))
    deliver(("refunds/create", payloads.refund(status="failure")))
    assert balance(SHOP, member().id) == 88


def test_a_refund_before_its_order_waits_for_it(program, client, run_worker):
    post_webhook(client, "refunds/create", payloads.refund())
    run_worker()
    waiting = db.session.scalar(select(WebhookDelivery))
    assert waiting.status == DeliveryStatus.RECEIVED  # released to retry, not dropped
    assert "not stored yet" in waiting.error
    refund_delivery = waiting.id
    post_webhook(client, "orders/paid", payloads.order())
    run_worker()
    # Its backoff over, the sweeper queues the refund again.
    due = utcnow() - timedelta(seconds=1)
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == refund_delivery)
        .values(next_attempt_at=due)
    )
    db.session.commit()
    sweep_deliveries()
    run_worker()
    assert balance(SHOP, member().id) == 88 - 19
