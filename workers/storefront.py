"""publish_storefront_config(shop_domain): put the live-campaign config where the embed reads it."""

import logging

from app.popups.storefront_config import (
    METAFIELD_KEY,
    METAFIELD_NAMESPACE,
    storefront_config_json,
)
from app.shopify.graphql import ShopifyAuthError, ShopifyGraphQLError
from app.shops import ShopUnavailable, admin_client_for, find_shop

INSTALLATION = "query { currentAppInstallation { id } }"
SET_METAFIELDS = """
mutation SetConfig($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { namespace key }
    userErrors { field message code }
  }
}"""
log = logging.getLogger(__name__)


def publish_storefront_config(shop_domain: str) -> bool:
    """Write the current config to the app-data metafield; safe to run twice."""
    shop = find_shop(shop_domain)
    if shop is None or not shop.is_installed:
        return False
    try:
        client = admin_client_for(shop)
        owner = client.execute(INSTALLATION)["currentAppInstallation"]["id"]
        result = client.execute(
            SET_METAFIELDS,
            {
                "metafields": [
                    {
                        "ownerId": owner,
                        "namespace": METAFIELD_NAMESPACE,
                        "key": METAFIELD_KEY,
                        "type": "json",
                        # Read at run time, so a late or repeated job still writes the latest.
                        "value": storefront_config_json(shop_domain),
                    }
                ]
            },
        )["metafieldsSet"]
    except (ShopifyGraphQLError, ShopifyAuthError) as error:
        log.warning("publishing the storefront config of %s failed: %s", shop_domain, error)
        return False
    except ShopUnavailable as error:
        if error.transient:
            raise
        return False
    if result["userErrors"]:
        log.warning("Shopify refused the storefront config of %s: %s", shop_domain, result)
        return False
    return True
