"""Everything that speaks Shopify's protocols: signatures, tokens, the Admin API."""
