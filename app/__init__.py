"""Baton: an open, self-hostable omnichannel app for Shopify stores."""

import logging

import click
from flask import Flask

from app import crypto, error_tracking, errors, pool_ping, request_log
from app.config import ROOT, Settings
from app.extensions import configure_sqlite, db, init_migrations, redis_queues

# Shopify's webhook bodies are small; anything near this size is not from Shopify.
MAX_BODY_BYTES = 5 * 1024 * 1024
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the Flask app from validated settings (read from the environment by default)."""
    settings = settings or Settings.from_env()
    error_tracking.init(settings)
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(
        BATON=settings,
        SECRET_KEY=settings.secret_key,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        TESTING=settings.testing,
    )
    _init_extensions(app)
    _register_blueprints(app)
    if settings.demo:
        log.warning("Demo mode: no Shopify credentials set; /demo/storefront uses a local fake")
    elif not settings.shopify_configured:
        log.warning(
            "Running without a real store: set %s to install on Shopify (see .env.example)",
            ", ".join(settings.missing_for_real_store),
        )
    return app


def _init_extensions(app: Flask) -> None:
    # First, so the request id exists before any other hook can answer early.
    request_log.init_app(app)
    db.init_app(app)
    with app.app_context():
        pool_ping.ping_when_idle(db.engine, app.config["BATON"].db_ping_idle_seconds)
    configure_sqlite(app)
    if click.get_current_context(silent=True) is not None:
        init_migrations(app)  # run as a `flask` command, `flask db` among them
    redis_queues.init_app(app)
    crypto.init_app(app)
    errors.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app import auth, cli, demo, health, metrics_endpoint, openapi, webhooks
    from app.admin import admin_blueprint
    from app.storefront import loyalty as storefront_loyalty
    from app.storefront import views as storefront
    from app.sync.platforms import PLATFORMS

    for module in (
        auth,
        health,
        metrics_endpoint,
        storefront,
        storefront_loyalty,
        webhooks,
        openapi,
    ):
        app.register_blueprint(module.bp)
    app.register_blueprint(admin_blueprint())
    for platform in PLATFORMS.values():
        if platform.blueprint() is not None:
            app.register_blueprint(platform.blueprint())
    cli.init_app(app)
    demo.init_app(app)
