"""Demo mode: a seeded shop, a storefront and a local fake of Shopify, for `make run`.

It runs only when no real Shopify credentials are configured (see Settings.demo), so a
newcomer can play the games within a minute of cloning, and a real deployment never serves
the demo's routes.
"""

from flask import Flask

DEMO_SHOP = "baton-demo.myshopify.com"
DEMO_ACCESS_TOKEN = "shpat_demo_not_a_real_token"


def init_app(app: Flask) -> None:
    """Register the demo's routes when the app runs in demo mode."""
    if not app.config["BATON"].demo:
        return
    from app.demo import admin, shopify_admin, storefront

    app.register_blueprint(storefront.bp)
    app.register_blueprint(shopify_admin.bp)
    app.register_blueprint(admin.bp)
