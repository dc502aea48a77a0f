"""Demo mode fails closed: asked for by name, SQLite only, its own secret, the demo shop alone.

The demo mints its own session tokens and signs its own proxy requests and webhooks. If it
started by itself whenever the Shopify settings were missing (a secret not mounted in
production), anyone holding its signing value could act as any installed shop (M4).
"""

import pytest

from app import create_app
from app.config import DEMO_API_KEY, ConfigError, Settings
from app.demo import DEMO_SHOP
from app.extensions import db
from app.models import Shop
from app.models.types import utcnow
from scripts import make_env
from tests.conftest import make_settings
from tests.factories import DEMO, MINIMAL, SECRET, demo_app
from tests.shopify_signing import OTHER_SHOP, bearer, session_token


def test_missing_shopify_settings_do_not_start_the_demo():
    settings = Settings.from_env(MINIMAL)
    assert settings.demo is False and settings.shopify_api_secret == ""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"DATABASE_URL": "postgresql://db/baton"}, "never PostgreSQL"),
        ({"BATON_DEMO_SECRET": ""}, "BATON_DEMO_SECRET"),
        ({"BATON_DEMO_SECRET": "baton-demo-signing-value"}, "BATON_DEMO_SECRET"),
        (
            {"SHOPIFY_API_KEY": "k", "SHOPIFY_API_SECRET": "s", "SHOPIFY_APP_URL": "https://x"},
            "Shopify credentials",
        ),
    ],
)
def test_the_demo_refuses_to_start_where_it_could_fail_open(extra, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(MINIMAL | DEMO | extra)


def test_the_demo_refuses_a_database_that_holds_a_real_shop(demo_database, redis_server):
    with create_app(make_settings(demo_database, redis_server.url)).app_context():
        db.session.add(Shop(domain=OTHER_SHOP, access_token="shpat_real", installed_at=utcnow()))
        db.session.commit()
    with pytest.raises(ConfigError, match=OTHER_SHOP):
        demo_app(demo_database, redis_server.url)


def test_a_token_the_demo_could_sign_reaches_no_other_shop(demo_database, redis_server):
    app = demo_app(demo_database, redis_server.url)
    forged = session_token(OTHER_SHOP, api_key=DEMO_API_KEY, secret=SECRET)
    with app.app_context():
        answer = app.test_client().get("/admin/api/shop", headers=bearer(forged))
        assert answer.status_code == 401
        assert db.session.query(Shop).count() == 0  # nothing installed, no exchange tried
        db.session.add(Shop(domain=DEMO_SHOP, access_token="shpat_demo", installed_at=utcnow()))
        db.session.commit()
        own = session_token(DEMO_SHOP, api_key=DEMO_API_KEY, secret=SECRET)
        assert app.test_client().get("/admin/api/shop", headers=bearer(own)).status_code == 200


def test_each_install_gets_its_own_demo_secret(tmp_path, monkeypatch):
    (tmp_path / ".env.example").write_text((make_env.ROOT / ".env.example").read_text())
    monkeypatch.setattr(make_env, "ROOT", tmp_path)
    make_env.main()
    first = (tmp_path / ".env").read_text()
    (tmp_path / ".env").unlink()
    make_env.main()
    second = (tmp_path / ".env").read_text()

    def secret(text: str) -> str:
        return next(line for line in text.splitlines() if line.startswith("BATON_DEMO_SECRET="))

    assert secret(first) != secret(second) and len(secret(first)) > 40
    # An older .env gains the setting without losing anything it holds.
    (tmp_path / ".env").write_text("SECRET_KEY=mine\n")
    make_env.main()
    kept = (tmp_path / ".env").read_text()
    assert kept.startswith("SECRET_KEY=mine\n") and "BATON_DEMO_SECRET=" in kept


def test_the_worker_moves_the_demo_shoppers_only_in_demo_mode(demo_database, redis_server):
    from app.models import WebhookDelivery
    from workers.main import sweep_once

    app = demo_app(demo_database, redis_server.url)
    with app.app_context():
        seeded = app.test_cli_runner().invoke(args=["baton", "demo-seed"])
        assert seeded.exit_code == 0, seeded.output
        before = db.session.query(WebhookDelivery).count()
        sweep_once(interval=1)
        # One seeded shopper changed a cart: a signed carts/update reached intake.
        assert db.session.query(WebhookDelivery).count() == before + 1
    real = create_app(make_settings(demo_database.replace("demo.db", "real.db"), redis_server.url))
    assert real.extensions.get("baton.sweep_steps") is None
    with real.app_context():
        refused = real.test_cli_runner().invoke(args=["baton", "demo-seed"])
    assert refused.exit_code != 0 and "Demo mode is off" in refused.output
