"""Settings fail fast, listing every bad value, and say what a real store still needs."""

import pytest
from cryptography.fernet import Fernet

from app.config import ConfigError, Settings
from tests.factories import KEY, MINIMAL


def test_minimal_environment_runs_on_embedded_defaults():
    settings = Settings.from_env(MINIMAL)
    assert settings.database_url == "sqlite:///baton.db"
    assert not settings.shopify_configured
    assert settings.missing_for_real_store == (
        "SHOPIFY_API_KEY",
        "SHOPIFY_API_SECRET",
        "SHOPIFY_APP_URL",
    )


def test_every_problem_is_listed_at_once():
    with pytest.raises(ConfigError) as error:
        Settings.from_env(
            {
                "ENCRYPTION_KEYS": "short",
                "SHOPIFY_API_VERSION": "2026-05",
                "SHOPIFY_APP_URL": "http://plain.example",
                "REDIS_URL": "http://x",
                "BATON_SWEEP_INTERVAL": "soon",
            }
        )
    message = str(error.value)
    for name in (
        "SECRET_KEY",
        "ENCRYPTION_KEYS",
        "SHOPIFY_API_VERSION",
        "SHOPIFY_APP_URL",
        "REDIS_URL",
        "BATON_SWEEP_INTERVAL",
    ):
        assert name in message


def test_postgres_urls_use_the_psycopg_driver():
    settings = Settings.from_env(MINIMAL | {"DATABASE_URL": "postgres://u:p@db/baton"})
    assert settings.database_url == "postgresql+psycopg://u:p@db/baton"


def test_abandonment_window_is_configurable():
    assert Settings.from_env(MINIMAL).abandon_after_minutes == 60
    ninety = Settings.from_env(MINIMAL | {"BATON_ABANDON_AFTER_MINUTES": "90"})
    assert ninety.abandon_after_minutes == 90
    with pytest.raises(ConfigError, match="BATON_ABANDON_AFTER_MINUTES"):
        Settings.from_env(MINIMAL | {"BATON_ABANDON_AFTER_MINUTES": "-5"})


def test_key_rotation_takes_several_keys():
    old = Fernet.generate_key().decode()
    settings = Settings.from_env(MINIMAL | {"ENCRYPTION_KEYS": f"{KEY}, {old}"})
    assert settings.encryption_keys == (KEY, old)


def test_sweeper_windows_are_configurable():
    settings = Settings.from_env(MINIMAL)
    assert (settings.sweep_grace_seconds, settings.claim_timeout_seconds) == (60, 900)
    quick = Settings.from_env(
        MINIMAL | {"BATON_SWEEP_GRACE_SECONDS": "2", "BATON_CLAIM_TIMEOUT_SECONDS": "5"}
    )
    assert (quick.sweep_grace_seconds, quick.claim_timeout_seconds) == (2, 5)
    with pytest.raises(ConfigError) as error:
        Settings.from_env(
            MINIMAL | {"BATON_SWEEP_GRACE_SECONDS": "0", "BATON_CLAIM_TIMEOUT_SECONDS": "15m"}
        )
    assert "BATON_SWEEP_GRACE_SECONDS" in str(error.value)
    assert "BATON_CLAIM_TIMEOUT_SECONDS" in str(error.value)


def test_a_tls_redis_with_a_self_signed_certificate_can_skip_verification_only_when_asked():
    managed = "rediss://:p@ec2-1-2-3-4.compute.amazonaws.com:21070"
    verified = Settings.from_env(MINIMAL | {"REDIS_URL": managed})
    heroku = Settings.from_env(MINIMAL | {"REDIS_URL": managed, "BATON_REDIS_VERIFY_TLS": "0"})
    plain = Settings.from_env(
        MINIMAL | {"REDIS_URL": "redis://127.0.0.1:6379/0", "BATON_REDIS_VERIFY_TLS": "0"}
    )
    assert verified.redis_url == managed
    assert heroku.redis_url == managed + "?ssl_cert_reqs=none"
    assert plain.redis_url == "redis://127.0.0.1:6379/0"
