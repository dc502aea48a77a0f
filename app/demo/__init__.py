"""Demo mode: a seeded shop, a storefront and a local fake of Shopify, for `make run`.

It runs only when asked for (BATON_DEMO=1, which `make run` sets when no Shopify credentials
are configured), on SQLite, with this install's own signing value (see Settings.demo), and
never beside a real shop: the demo signs session tokens itself, so it serves the demo shop
alone. A newcomer can play the games within a minute of cloning, and a real deployment never
serves the demo's routes.
"""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect, select

from app.config import DEMO_SHOP

DEMO_ACCESS_TOKEN = "shpat_demo_not_a_real_token"
# The keys the demo's Klaviyo and Mailchimp stand-ins (app/demo/vendors.py) accept; the
# connections page offers them in demo mode.
DEMO_KLAVIYO_KEY = "pk_demo_baton"
DEMO_MAILCHIMP_KEY = "baton-demo-us1"


@click.command("demo-seed")
@with_appcontext
def demo_seed() -> None:
    """Seed the demo shop and its campaigns (demo mode only; safe to run again)."""
    from app.demo.seed import seed_demo_shop

    if not current_app.config["BATON"].demo:
        raise click.ClickException("Demo mode is off: real Shopify credentials are configured.")
    for line in seed_demo_shop() or ["demo shop already seeded"]:
        click.echo(line)


def init_app(app: Flask) -> None:
    """Register the demo's routes when the app runs in demo mode, and no real shop is here."""
    from app.cli import baton

    baton.add_command(demo_seed)  # there in every mode, to say why it refuses
    if not app.config["BATON"].demo:
        return
    _refuse_beside_real_shops(app)
    from app.demo import admin, holdings, shopify_admin, storefront
    from app.demo.cart_webhooks import simulate_shoppers
    from app.extensions import add_sweep_step

    app.register_blueprint(storefront.bp)
    app.register_blueprint(shopify_admin.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(holdings.bp)
    # The demo's seeded carts keep moving on the live-carts page.
    add_sweep_step(app, simulate_shoppers)


def _refuse_beside_real_shops(app: Flask) -> None:
    from app.config import ConfigError
    from app.extensions import db
    from app.models import Shop

    with app.app_context():
        if not inspect(db.engine).has_table(Shop.__tablename__):
            return  # not migrated yet: no shop of any kind
        real = db.session.scalar(select(Shop.domain).where(Shop.domain != DEMO_SHOP).limit(1))
        db.session.remove()
    if real is not None:
        raise ConfigError(
            f"BATON_DEMO=1 refuses to start: {real} is a real shop in this database, and the "
            "demo mints its own session tokens. Run the demo on its own database."
        )
