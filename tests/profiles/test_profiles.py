"""The unified profile, built by the worker from signed webhooks end to end."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Cart,
    Checkout,
    CouponCode,
    Customer,
    DeliveryStatus,
    Order,
    TimelineEvent,
    Visitor,
    WebhookDelivery,
)
from app.models.types import utcnow
from app.profiles.checkouts import abandoned_checkouts
from app.profiles.identity import resolve_customer
from tests import payloads
from tests.payloads import BIG_ID
from tests.shopify_signing import SHOP, post_webhook


@pytest.fixture(autouse=True)
def shop(installed_shop):
    return installed_shop()


@pytest.fixture
def deliver(client, run_worker):
    """Send signed deliveries through intake, then let the worker process them."""

    def send(*deliveries, event_id=None):
        for topic, payload in deliveries:
            response = post_webhook(client, topic, payload, event_id=event_id)
            assert response.status_code == 200, response.get_json()
        run_worker()

    return send


def only(model):
    return db.session.scalars(select(model)).one()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def timeline_kinds(customer_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(TimelineEvent.kind)
            .where(TimelineEvent.customer_id == customer_id)
            .order_by(TimelineEvent.occurred_at)
        )
    )


def test_customer_create_builds_the_profile_with_an_exact_64_bit_id(deliver):
    deliver(("customers/create", payloads.customer(email="  Ana@Example.COM ")))
    customer = only(Customer)
    assert customer.shopify_id == BIG_ID
    assert customer.email == "ana@example.com"
    assert (customer.first_name, customer.tags) == ("Ana", "vip, newsletter")
    assert customer.email_consent_state == "subscribed"
    assert customer.email_consent_opt_in_level == "single_opt_in"
    assert timeline_kinds(customer.id) == ["consent_changed"]


def test_customer_replay_has_one_effect(deliver):
    payload = payloads.customer()
    deliver(("customers/update", payload), event_id="evt-c")
    deliver(("customers/update", payload), event_id="evt-c")  # Shopify's retry
    deliver(("customers/update", payload))  # same content under a new event id
    assert count(Customer) == 1
    assert count(TimelineEvent) == 1


def test_older_customer_update_never_overwrites_newer_state(deliver):
    deliver(
        (
            "customers/update",
            payloads.customer(updated_at="2026-11-22T12:00:00Z", first_name="Newer"),
        )
    )
    deliver(
        (
            "customers/update",
            payloads.customer(updated_at="2026-11-22T11:00:00Z", first_name="Older"),
        )
    )
    assert only(Customer).first_name == "Newer"


def test_consent_sample_with_nulls_is_stored_and_changes_nothing(deliver):
    deliver(("customers/create", payloads.customer()))
    deliver(("customers_email_marketing_consent/update", payloads.CONSENT_SAMPLE))
    customer = only(Customer)
    assert customer.email_consent_state == "subscribed"
    statuses = set(db.session.scalars(select(WebhookDelivery.status)))
    assert statuses == {DeliveryStatus.PROCESSED}


def test_customer_with_null_consent_keeps_its_consent(deliver):
    deliver(("customers/create", payloads.customer()))
    deliver(
        (
            "customers/update",
            payloads.customer(consent_state=None, updated_at="2026-11-22T12:00:00Z"),
        )
    )
    assert only(Customer).email_consent_state == "subscribed"


def test_unsubscribe_applies_and_an_older_subscribe_cannot_undo_it(deliver):
    deliver(("customers/create", payloads.customer(consent_at="2026-11-22T10:00:00Z")))
    deliver(
        (
            "customers_email_marketing_consent/update",
            payloads.consent_update(state="unsubscribed", at="2026-11-22T12:00:00Z"),
        )
    )
    deliver(
        (
            "customers_email_marketing_consent/update",
            payloads.consent_update(state="subscribed", at="2026-11-22T11:30:00Z"),
        )
    )
    deliver(
        (
            "customers/update",
            payloads.customer(
                consent_state="subscribed",
                consent_at="2026-11-22T11:45:00Z",
                updated_at="2026-11-22T13:00:00Z",
            ),
        )
    )
    assert only(Customer).email_consent_state == "unsubscribed"


def test_unknown_consent_state_fails_the_delivery_once_with_the_reason(deliver):
    deliver(("customers_email_marketing_consent/update", payloads.consent_update(state="maybe")))
    delivery = only(WebhookDelivery)
    assert delivery.status == DeliveryStatus.FAILED
    assert "unknown consent state" in delivery.error and delivery.attempts == 1


def test_customer_delete_keeps_history_and_marks_it(deliver):
    deliver(("customers/create", payloads.customer()), ("customers/delete", {"id": BIG_ID}))
    assert only(Customer).deleted_at is not None


def test_cart_to_checkout_to_order_is_one_customer_and_one_timeline(deliver):
    deliver(("carts/create", payloads.cart()))
    cart = only(Cart)
    assert cart.customer_id is None and cart.total == Decimal("38.00") and cart.currency == "USD"

    deliver(("checkouts/create", payloads.checkout(visitor="v-123")))
    deliver(("orders/create", payloads.order(visitor="v-123")))

    customer = only(Customer)
    assert only(Cart).customer_id == customer.id
    checkout = only(Checkout)
    assert (checkout.customer_id, checkout.cart_token) == (customer.id, "c1-9f2b")
    assert checkout.completed_at is not None
    assert only(Order).customer_id == customer.id
    assert only(Visitor).customer_id == customer.id
    assert timeline_kinds(customer.id) == ["cart_updated", "checkout_started", "order_placed"]
    assert (customer.orders_count, customer.total_spent) == (1, Decimal("38.00"))


def test_cart_updates_out_of_order_keep_the_newest_contents(deliver):
    deliver(("carts/update", payloads.cart(updated_at="2026-11-22T10:30:00Z", quantity=3)))
    deliver(("carts/update", payloads.cart(updated_at="2026-11-22T10:10:00Z", quantity=1)))
    cart = only(Cart)
    assert cart.line_items[0]["quantity"] == 3 and cart.total == Decimal("57.00")


def test_checkout_updates_out_of_order_keep_the_newest(deliver):
    deliver(
        (
            "checkouts/update",
            payloads.checkout(
                updated_at="2026-11-22T10:30:00Z", email="new@example.com", customer_id=None
            ),
        )
    )
    deliver(
        (
            "checkouts/update",
            payloads.checkout(
                updated_at="2026-11-22T10:00:00Z", email="old@example.com", customer_id=None
            ),
        )
    )
    assert only(Checkout).email == "new@example.com"


def test_orders_paid_then_a_late_orders_create_keeps_paid(deliver):
    deliver(
        ("orders/paid", payloads.order(financial_status="paid", updated_at="2026-11-22T10:20:00Z"))
    )
    deliver(
        (
            "orders/create",
            payloads.order(financial_status="pending", updated_at="2026-11-22T10:09:30Z"),
        )
    )
    assert only(Order).financial_status == "paid"
    assert count(Order) == 1


def test_order_without_an_id_fails_with_the_reason_and_no_retry(deliver):
    bad = payloads.order()
    del bad["id"]
    deliver(("orders/create", bad))
    delivery = only(WebhookDelivery)
    assert delivery.status == DeliveryStatus.FAILED
    assert "order payload without an id" in delivery.error and delivery.attempts == 1


def test_baton_code_redemption_attributes_the_order(deliver):
    db.session.add(
        CouponCode(
            shop_domain=SHOP,
            code="BATON-7K2M9QX",
            play_id=11,
            campaign_id=3,
            variant="B",
            issued_at=utcnow(),
        )
    )
    db.session.commit()
    order = payloads.order(codes=["baton-7k2m9qx"], total="34.20")
    deliver(("orders/create", order))
    deliver(("orders/paid", order | {"updated_at": "2026-11-22T10:15:00-05:00"}))

    code = only(CouponCode)
    placed = only(Order)
    assert code.redeemed_at is not None and code.order_id == placed.id
    assert code.attributed_revenue == Decimal("34.20") and code.discount_amount == Decimal("3.80")
    assert (code.play_id, code.campaign_id, code.variant) == (11, 3, "B")
    redeemed = db.session.scalars(
        select(TimelineEvent).where(TimelineEvent.kind == "code_redeemed")
    ).all()
    assert len(redeemed) == 1


def test_codes_baton_did_not_issue_attribute_nothing(deliver):
    deliver(("orders/create", payloads.order(codes=["SUMMER10"])))
    assert count(CouponCode) == 0
    assert only(Order).discount_codes[0]["code"] == "SUMMER10"


def test_order_after_a_recovery_email_counts_as_recovered(deliver):
    deliver(("checkouts/create", payloads.checkout()))
    checkout = only(Checkout)
    checkout.recovery_emailed_at = checkout.started_at + timedelta(minutes=70)
    db.session.commit()
    deliver(("orders/create", payloads.order() | {"created_at": "2026-11-22T12:30:00-05:00"}))
    assert only(Order).recovered is True


def test_order_without_a_recovery_email_is_not_recovered(deliver):
    deliver(("checkouts/create", payloads.checkout()), ("orders/create", payloads.order()))
    assert only(Order).recovered is False


def test_abandoned_checkouts_are_the_open_ones_past_the_window(deliver):
    deliver(
        ("checkouts/create", payloads.checkout(token="open")),
        ("checkouts/create", payloads.checkout(token="done", completed_at="2026-11-22T10:20:00Z")),
    )
    late = utcnow() + timedelta(days=365)
    assert [c.token for c in abandoned_checkouts(SHOP, late)] == ["open"]
    assert abandoned_checkouts(SHOP, late, after=timedelta(days=3650)) == []


def test_a_pop_up_lead_becomes_the_shopify_customer_with_that_email(deliver):
    lead = resolve_customer(SHOP, None, "ana@example.com")
    db.session.commit()
    lead_id = lead.id
    deliver(("customers/create", payloads.customer()))
    customer = only(Customer)
    assert customer.id == lead_id and customer.shopify_id == BIG_ID


def test_a_lead_merges_into_the_customer_who_changes_to_its_email(deliver):
    deliver(("customers/create", payloads.customer(email="old@example.com")))
    resolve_customer(SHOP, None, "ana@example.com")
    db.session.commit()
    deliver(
        (
            "customers/update",
            payloads.customer(email="ana@example.com", updated_at="2026-11-22T16:00:00Z"),
        )
    )
    customer = only(Customer)
    assert (customer.shopify_id, customer.email) == (BIG_ID, "ana@example.com")


def test_a_block_inside_a_checkout_cannot_block_a_real_customer_update(deliver):
    deliver(("customers/create", payloads.customer(updated_at="2026-11-22T10:00:00Z")))
    deliver(("checkouts/create", payloads.checkout()))  # embedded block, no updated_at
    deliver(
        (
            "customers/update",
            payloads.customer(updated_at="2026-11-22T10:30:00Z", first_name="Renamed"),
        )
    )
    assert only(Customer).first_name == "Renamed"


def test_an_older_customer_update_does_not_bring_back_an_old_email(deliver):
    # L4: the email is compared by version like the other fields.
    newer = payloads.customer(email="new@example.com", updated_at="2026-11-22T12:00:00-05:00")
    older = payloads.customer(email="old@example.com", updated_at="2026-11-22T10:00:00-05:00")
    deliver(("customers/update", newer))
    deliver(("customers/update", older))
    assert only(Customer).email == "new@example.com"
