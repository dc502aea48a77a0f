"""Fixtures: the app on a real database and a real Redis, a client, and a burst worker."""

import pytest
from cryptography.fernet import Fernet
from flask_migrate import upgrade

from app import create_app
from app.config import Settings
from app.extensions import QUEUE_NAMES, db, redis_queues
from app.intake import intake_backoff
from app.models import Shop
from app.models.types import utcnow
from tests.services import RedisServer, test_database
from tests.shopify_signing import API_KEY, API_SECRET, SHOP
from workers.main import BatonWorker, dispatch_step

ENCRYPTION_KEY = Fernet.generate_key().decode()


@pytest.fixture(scope="session")
def redis_server():
    """A private redis-server for the whole run."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def database_url():
    """A scratch database for the whole run, migrated once by the app fixture."""
    with test_database() as url:
        yield url


def deployment_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """The environment variables a test deployment runs with."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "test-secret-key",
        "ENCRYPTION_KEYS": ENCRYPTION_KEY,
        "SHOPIFY_API_KEY": API_KEY,
        "SHOPIFY_API_SECRET": API_SECRET,
        "SHOPIFY_APP_URL": "https://baton.test",
        "BATON_TESTING": "1",
        # Flush sync batches at once: the in-process burst worker runs no scheduled jobs.
        "BATON_SYNC_WINDOW_SECONDS": "0",
    }


def make_settings(database_url: str, redis_url: str, **overrides) -> Settings:
    """Settings as a test deployment would read them from its environment."""
    return Settings.from_env(deployment_environment(database_url, redis_url) | overrides)


@pytest.fixture(scope="session")
def app(database_url, redis_server):
    """The real app, migrated with Alembic exactly as the release step does."""
    app = create_app(make_settings(database_url, redis_server.url))
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(autouse=True)
def app_context(app, redis_server):
    """Each test starts with empty tables and an empty Redis."""
    if redis_server.process is None:
        redis_server.start()
    with app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        redis_queues.connection.flushdb()
        intake_backoff.reset()
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    """A test client for the real WSGI app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for `flask baton ...` commands."""
    return app.test_cli_runner()


@pytest.fixture
def run_worker():
    """Process every queued job in this process, as an RQ worker would, then return."""

    def run() -> None:
        while dispatch_step(wait_seconds=0.05):
            pass
        queues = [redis_queues.queue(name) for name in QUEUE_NAMES]
        BatonWorker(queues, connection=redis_queues.connection).work(burst=True)
        db.session.remove()

    return run


@pytest.fixture
def installed_shop():
    """A shop that completed install, with a long-lived token."""

    def install(domain: str = SHOP, token: str = "shpat_installed") -> Shop:
        shop = Shop(
            domain=domain,
            access_token=token,
            scopes="read_orders",
            installed_at=utcnow(),
            token_version=1,
        )
        db.session.add(shop)
        db.session.commit()
        return shop

    return install
