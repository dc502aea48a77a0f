"""Fixtures: the app on a real database and a real Redis, a client, and a burst worker."""

import dataclasses
from pathlib import Path

import pytest
import responses
from cryptography.fernet import Fernet
from flask import current_app
from flask_migrate import upgrade

from app import create_app
from app.config import Settings
from app.demo.klaviyo_fake import KlaviyoFake
from app.demo.mailchimp_fake import MailchimpFake
from app.extensions import QUEUE_NAMES, db, init_migrations, redis_queues
from app.intake import intake_backoff
from app.models import Shop
from app.models.types import utcnow
from tests.campaign_data import seed_pool, wheel
from tests.fakes.shopify_admin import FakeShopifyAdmin
from tests.services import RedisServer, test_database
from tests.shopify_signing import API_KEY, API_SECRET, SHOP, bearer, session_token
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
        init_migrations(current_app)
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


# -- shared by many test modules ------------------------------------------------------------


@pytest.fixture
def campaign_id(client, installed_shop):
    """A live wheel made through the admin API, with a pool of codes for every prize."""
    installed_shop()
    response = client.post(
        "/admin/api/campaigns",
        headers=bearer(session_token()),
        json=wheel(holdout_percent=0, variants=[{"key": "A", "weight": 1}]),
    )
    campaign = response.get_json()
    for prize in campaign["prizes"]:
        seed_pool(prize["id"], 60)
    return campaign["id"]


@pytest.fixture
def klaviyo():
    with KlaviyoFake(api_keys=("pk_test",)) as fake:
        yield fake


@pytest.fixture
def mailchimp():
    with MailchimpFake(api_key="key-us1") as fake:
        yield fake


@pytest.fixture
def platforms(app, monkeypatch, klaviyo, mailchimp):
    """Settings pointed at the fakes, and Shopify's Admin API fake for the worker's other jobs."""
    settings = dataclasses.replace(
        app.config["BATON"], klaviyo_base_url=klaviyo.url, mailchimp_base_url=mailchimp.url
    )
    monkeypatch.setitem(app.config, "BATON", settings)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        # The Mailchimp SDK uses requests too: let it through to its fake.
        mock.add_passthru(mailchimp.server_url)
        shopify = FakeShopifyAdmin(mock, SHOP)
        yield shopify


@pytest.fixture
def connected(client, campaign_id, platforms):
    """Klaviyo and Mailchimp connected through the admin API, with a live campaign."""
    headers = bearer(session_token())
    for platform, body in (
        ("klaviyo", {"api_key": "pk_test", "list_id": "list1"}),
        ("mailchimp", {"api_key": "key-us1", "list_id": "list1"}),
    ):
        answer = client.put(f"/admin/api/connections/{platform}", json=body, headers=headers)
        assert answer.status_code == 200, answer.get_json()
    return campaign_id


@pytest.fixture
def shopify():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeShopifyAdmin(mock, SHOP)


@pytest.fixture
def demo_database(tmp_path: Path, redis_server) -> str:
    url = f"sqlite:///{tmp_path}/demo.db"
    with create_app(make_settings(url, redis_server.url)).app_context():
        init_migrations(current_app)
        upgrade()
    return url
