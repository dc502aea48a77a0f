"""Shopify as a sync target: an unsubscribe learned from an email platform, written back to the
customer's consent in Shopify (customerEmailMarketingConsentUpdate)."""

from sqlalchemy import select

from app.extensions import db
from app.models import Customer, SyncTask
from app.shopify.graphql import (
    ShopifyAuthError,
    ShopifyGraphQLError,
    ShopifyTransientError,
)
from app.shops import ShopUnavailable, admin_client_for, find_shop
from app.sync.outbox import subject_email
from app.sync.outcomes import PERMANENT, TRANSIENT, Outcome, done
from app.sync.platforms.base import Platform

UNSUBSCRIBE = """
mutation Unsubscribe($input: CustomerEmailMarketingConsentUpdateInput!) {
  customerEmailMarketingConsentUpdate(input: $input) {
    customer { id defaultEmailAddress { marketingState } }
    userErrors { field message code }
  }
}"""


def push_unsubscribe(task: SyncTask) -> Outcome:
    """customerEmailMarketingConsentUpdate to UNSUBSCRIBED for the Shopify customer, if any."""
    customer = db.session.scalar(
        select(Customer).where(
            Customer.shop_domain == task.shop_domain,
            Customer.email == subject_email(task.subject),
        )
    )
    if customer is None or customer.shopify_id is None:
        return done("no Shopify customer with that email")
    shop = find_shop(task.shop_domain)
    if shop is None or not shop.is_installed:
        return done("the shop uninstalled Baton")
    try:
        result = admin_client_for(shop).execute(
            UNSUBSCRIBE,
            {
                "input": {
                    "customerId": f"gid://shopify/Customer/{customer.shopify_id}",
                    "emailMarketingConsent": {"marketingState": "UNSUBSCRIBED"},
                }
            },
        )["customerEmailMarketingConsentUpdate"]
    except ShopUnavailable as error:
        return Outcome(TRANSIENT if error.transient else PERMANENT, f"Shopify: {error}")
    except ShopifyTransientError as error:
        return Outcome(TRANSIENT, f"Shopify: {error}")
    except (ShopifyGraphQLError, ShopifyAuthError) as error:
        return Outcome(PERMANENT, f"Shopify: {error}")
    if result["userErrors"]:
        return Outcome(PERMANENT, f"Shopify: {result['userErrors'][0]['message']}")
    return done("unsubscribed in Shopify")


class ShopifyConsent(Platform):
    """Rides on the shop's own install: nothing to connect, one operation."""

    name, label = "shopify", "Shopify"
    connectable = False

    def send(self, connection, tasks) -> dict[int, Outcome]:
        return {task.id: push_unsubscribe(task) for task in tasks}


SHOPIFY_CONSENT = ShopifyConsent()
