"""Every channel shows the same points: the storefront's panel, Klaviyo's profile properties
and Mailchimp's merge fields, after earning, redeeming and a refund."""

from decimal import Decimal

from app.extensions import db
from app.models import LoyaltyProgram
from tests import payloads
from tests.payloads import BIG_ID
from tests.shopify_signing import SHOP, post_webhook, signed_proxy_query

EMAIL = "ana@example.com"


def storefront_balance(client) -> int:
    query = signed_proxy_query({"shop": SHOP, "logged_in_customer_id": str(BIG_ID)})
    return client.get("/proxy/loyalty", query_string=query).get_json()["balance"]


def everywhere(client, klaviyo, mailchimp) -> tuple:
    properties = klaviyo.profile(EMAIL).properties
    fields = mailchimp.member("list1", EMAIL).merge_fields
    return (
        storefront_balance(client),
        properties["baton_points"],
        int(fields["POINTS"]),
        properties["baton_points_to_next_reward"],
        int(fields["NEXTREWARD"]),
    )


def test_the_balance_is_the_same_on_the_storefront_in_klaviyo_and_in_mailchimp(
    client, connected, run_worker, klaviyo, mailchimp
):
    db.session.add(
        LoyaltyProgram(
            shop_domain=SHOP,
            enabled=True,
            points_per_unit=Decimal("1"),
            reward_points=100,
            reward_value=Decimal("5.00"),
        )
    )
    db.session.commit()
    post_webhook(client, "customers/create", payloads.customer(consent_state="not_subscribed"))
    post_webhook(client, "orders/paid", payloads.order(total="120.00"))
    run_worker()
    assert everywhere(client, klaviyo, mailchimp) == (120, 120, 120, 0, 0)
    assert klaviyo.profile(EMAIL).properties["baton_next_reward_value"] == "5.00"

    query = signed_proxy_query({"shop": SHOP, "logged_in_customer_id": str(BIG_ID)})
    assert client.post("/proxy/loyalty/redemptions", query_string=query).status_code == 202
    run_worker()
    assert everywhere(client, klaviyo, mailchimp) == (20, 20, 20, 80, 80)

    # 19.00 of the 120.00 comes back: so do 19 of the points it earned.
    post_webhook(client, "refunds/create", payloads.refund(amount="19.00"))
    run_worker()
    assert everywhere(client, klaviyo, mailchimp) == (1, 1, 1, 99, 99)


def test_a_shop_without_a_program_sends_no_points(
    client, connected, run_worker, klaviyo, mailchimp
):
    post_webhook(client, "orders/paid", payloads.order())
    run_worker()
    assert not any(name.startswith("baton_points") for name in klaviyo.profile(EMAIL).properties)
    assert (
        "POINTS" not in mailchimp.member("list1", EMAIL).merge_fields
        or not (mailchimp.member("list1", EMAIL).merge_fields["POINTS"])
    )
