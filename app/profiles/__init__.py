"""The unified customer profile: identity, carts, checkouts, orders, consent and timeline."""
