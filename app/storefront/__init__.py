"""The storefront widget's API, reached through Shopify's app proxy at /apps/baton/..."""
