"""Webhooks with Shopify's protected customer data withheld: stored, processed, nothing invented.

An app without approval for a level 2 field (name, email, phone, address) still receives the
topic, with that field redacted: reports show the key left out, GraphQL shows null, so both
are tried (https://shopify.dev/docs/apps/launch/protected-customer-data).
"""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Checkout, Customer, DeliveryStatus, Order, SyncTask, WebhookDelivery
from tests import payloads
from tests.shopify_signing import post_webhook

# Level 2 fields, wherever they sit in a payload (customer blocks and addresses included).
PROTECTED_KEYS = {
    "email",
    "contact_email",
    "email_address",
    "phone",
    "sms_marketing_phone",
    "first_name",
    "last_name",
    "billing_address",
    "shipping_address",
    "default_address",
    "addresses",
}
TOPICS_WITH_CUSTOMER_DATA = [
    "checkouts/create",
    "checkouts/update",
    "orders/create",
    "orders/paid",
    "draft_orders/update",
    "customers/create",
    "customers/update",
    "customers/delete",
    "customers_email_marketing_consent/update",
    "customers/data_request",
    "customers/redact",
    "carts/create",
    "carts/update",
]


def withheld(value, how: str):
    """The payload as Shopify sends it without approval: keys left out, or set to null."""
    if isinstance(value, list):
        return [withheld(item, how) for item in value]
    if not isinstance(value, dict):
        return value
    kept = {}
    for key, item in value.items():
        if key in PROTECTED_KEYS:
            if how == "null":
                kept[key] = None
            continue
        kept[key] = withheld(item, how)
    return kept


@pytest.mark.parametrize("how", ["absent", "null"])
@pytest.mark.parametrize("topic", TOPICS_WITH_CUSTOMER_DATA)
def test_withheld_fields_are_processed_without_inventing_any(
    client, installed_shop, run_worker, topic, how
):
    installed_shop()
    payload = withheld(payloads.sample(topic), how)
    assert post_webhook(client, topic, payload).status_code == 200
    run_worker()

    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status == DeliveryStatus.PROCESSED
    # customers/redact scrubs its own stored body too; nothing else leaves a note.
    assert delivery.error == ("redacted" if topic == "customers/redact" else None)
    for customer in db.session.scalars(select(Customer)):
        assert (customer.email, customer.first_name, customer.last_name, customer.phone) == (
            None,
            None,
            None,
            None,
        )
    assert all(email is None for email in db.session.scalars(select(Order.email)))
    assert all(email is None for email in db.session.scalars(select(Checkout.email)))
    # Nothing went to an email platform about a person Baton has no address for.
    assert db.session.scalars(select(SyncTask.operation)).all() in ([], ["profile"])


def test_a_customer_block_without_email_does_not_take_the_contact_email(
    client, installed_shop, run_worker
):
    installed_shop()
    order = payloads.order(email="typed-at-checkout@example.com")
    del order["customer"]["email"]
    post_webhook(client, "orders/create", order)
    run_worker()
    [customer] = db.session.scalars(select(Customer)).all()
    assert customer.shopify_id == payloads.BIG_ID and customer.email is None
    assert db.session.scalar(select(Order.email)) == "typed-at-checkout@example.com"


def test_deleting_a_customer_baton_never_met_creates_nobody(client, installed_shop, run_worker):
    installed_shop()
    post_webhook(client, "customers/delete", payloads.sample("customers/delete"))
    run_worker()
    assert db.session.scalars(select(Customer)).all() == []


def test_an_order_email_is_stored_normalised(client, installed_shop, run_worker):
    installed_shop()
    post_webhook(client, "orders/create", payloads.order(email="  Ana@Example.COM "))
    run_worker()
    assert db.session.scalar(select(Order.email)) == "ana@example.com"
