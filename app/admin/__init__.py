"""The embedded admin: pages inside the Shopify admin and the JSON API they call."""
