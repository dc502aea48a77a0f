"""Every setting Baton reads, taken from the environment once and validated."""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from cryptography.fernet import Fernet

from app.shopify.app_toml import DECLARED_SCOPES

# The checkout: templates, static files, migrations and shopify.app.toml are found from here.
ROOT = Path(__file__).resolve().parent.parent

API_VERSION_PATTERN = re.compile(r"^20\d\d-(01|04|07|10)$")
# The scopes shopify.app.toml declares: Shopify grants those, so asking for others would not help.
DEFAULT_SCOPES = DECLARED_SCOPES
REAL_STORE_SETTINGS = ("SHOPIFY_API_KEY", "SHOPIFY_API_SECRET", "SHOPIFY_APP_URL")
# The demo plays Shopify: it signs its own app-proxy requests, webhooks and session tokens
# with BATON_DEMO_SECRET, a random value `make env` writes once per install.
DEMO_API_KEY = "baton-demo"
# The one shop demo mode serves; its session tokens reach no other (app.shops).
DEMO_SHOP = "baton-demo.myshopify.com"
DEMO_SECRET_MIN_LENGTH = 32


class ConfigError(Exception):
    """Raised when one or more settings are missing or malformed."""


@dataclass(frozen=True)
class Settings:
    """Validated settings; build with Settings.from_env()."""

    database_url: str
    redis_url: str
    secret_key: str
    encryption_keys: tuple[str, ...]
    shopify_api_key: str = ""
    shopify_api_secret: str = ""
    shopify_scopes: str = DEFAULT_SCOPES
    shopify_app_url: str = ""
    shopify_api_version: str = "2026-10"
    shopify_admin_base_url: str = ""
    klaviyo_base_url: str = ""
    mailchimp_base_url: str = ""
    sweep_interval_seconds: int = 30
    db_ping_idle_seconds: float = 1.0
    # RQ processes for webhooks and sync: a burst of orders is CPU-bound, one core each.
    fast_worker_processes: int = field(default_factory=lambda: os.cpu_count() or 1)
    sweep_grace_seconds: int = 60
    claim_timeout_seconds: int = 900
    awaiting_install_days: int = 7
    delivery_retention_days: int = 30
    # Proxy hops in front of Baton that append to X-Forwarded-For, Shopify's app proxy
    # included: the shopper's address is this many entries from the right.
    proxy_hops: int = 1
    disposable_domains: frozenset[str] = frozenset()
    abandon_after_minutes: int = 60
    play_limit_per_shop_minute: int = 30000
    code_wait_seconds: int = 10
    sync_window_seconds: float = 2.0
    sentry_dsn: str = ""
    metrics_token: str = ""
    testing: bool = False
    demo: bool = False
    missing_for_real_store: tuple[str, ...] = field(default=())

    @property
    def shopify_configured(self) -> bool:
        """True when the settings a real store needs are all present."""
        return not self.missing_for_real_store

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Read and validate settings, raising ConfigError that lists every problem."""
        env = os.environ if environ is None else environ
        problems: list[str] = []
        values = {
            "database_url": _database_url(env.get("DATABASE_URL", "")),
            "redis_url": _redis_url(env),
            "secret_key": _required(env, "SECRET_KEY", problems),
            "encryption_keys": _encryption_keys(env, problems),
            "shopify_api_key": env.get("SHOPIFY_API_KEY", ""),
            "shopify_api_secret": env.get("SHOPIFY_API_SECRET", ""),
            "shopify_scopes": env.get("SHOPIFY_SCOPES", DEFAULT_SCOPES),
            "shopify_app_url": env.get("SHOPIFY_APP_URL", "").rstrip("/"),
            "shopify_api_version": env.get("SHOPIFY_API_VERSION", "2026-10"),
            "shopify_admin_base_url": env.get("SHOPIFY_ADMIN_BASE_URL", "").rstrip("/"),
            "klaviyo_base_url": env.get("KLAVIYO_BASE_URL", "").rstrip("/"),
            "mailchimp_base_url": env.get("MAILCHIMP_BASE_URL", "").rstrip("/"),
            "sweep_interval_seconds": _positive_int(env, "BATON_SWEEP_INTERVAL", 30, problems),
            "db_ping_idle_seconds": _seconds(env, "BATON_DB_PING_IDLE_SECONDS", 1.0, problems),
            "fast_worker_processes": _positive_int(
                env, "BATON_WORKER_PROCESSES", os.cpu_count() or 1, problems
            ),
            "sweep_grace_seconds": _positive_int(env, "BATON_SWEEP_GRACE_SECONDS", 60, problems),
            "claim_timeout_seconds": _positive_int(
                env, "BATON_CLAIM_TIMEOUT_SECONDS", 900, problems
            ),
            "awaiting_install_days": _positive_int(env, "BATON_AWAITING_INSTALL_DAYS", 7, problems),
            "delivery_retention_days": _positive_int(
                env, "BATON_DELIVERY_RETENTION_DAYS", 30, problems
            ),
            "play_limit_per_shop_minute": _positive_int(
                env, "BATON_PLAY_LIMIT_PER_SHOP_MINUTE", 30000, problems
            ),
            "code_wait_seconds": _positive_int(env, "BATON_CODE_WAIT_SECONDS", 10, problems),
            "sync_window_seconds": _seconds(env, "BATON_SYNC_WINDOW_SECONDS", 2.0, problems),
            "abandon_after_minutes": _positive_int(
                env, "BATON_ABANDON_AFTER_MINUTES", 60, problems
            ),
            "proxy_hops": _positive_int(env, "BATON_PROXY_HOPS", 1, problems),
            "disposable_domains": frozenset(
                domain.strip().lower()
                for domain in env.get("BATON_DISPOSABLE_DOMAINS", "").split(",")
                if domain.strip()
            ),
            "sentry_dsn": env.get("SENTRY_DSN", ""),
            "metrics_token": env.get("METRICS_TOKEN", ""),
            "testing": env.get("BATON_TESTING", "") == "1",
        }
        _check_formats(values, problems)
        if problems:
            raise ConfigError("Invalid configuration:\n  - " + "\n  - ".join(problems))
        missing = tuple(name for name in REAL_STORE_SETTINGS if not env.get(name))
        if env.get("BATON_DEMO", "") == "1":
            values |= _demo_values(env, values, missing)
        return cls(**values, missing_for_real_store=missing)


def _demo_values(env: Mapping[str, str], values: dict, missing: tuple[str, ...]) -> dict:
    # Demo mode fails closed: asked for by name (`make run` asks when no store is configured),
    # on the embedded database only, with a signing value that is this install's own.
    problems = []
    if missing != REAL_STORE_SETTINGS:
        problems.append("BATON_DEMO=1 cannot run with Shopify credentials set; unset one")
    if not values["database_url"].startswith("sqlite"):
        problems.append("BATON_DEMO=1 runs on the embedded SQLite database only, never PostgreSQL")
    secret = env.get("BATON_DEMO_SECRET", "")
    if len(secret) < DEMO_SECRET_MIN_LENGTH:
        problems.append(
            f"BATON_DEMO=1 needs BATON_DEMO_SECRET of {DEMO_SECRET_MIN_LENGTH} or more "
            "characters (`make env` adds a random one)"
        )
    if problems:
        raise ConfigError("Invalid configuration:\n  - " + "\n  - ".join(problems))
    return {"demo": True, "shopify_api_key": DEMO_API_KEY, "shopify_api_secret": secret}


def _database_url(raw: str) -> str:
    # Bare postgresql:// would pick psycopg2, which we do not ship; psycopg 3 is the driver.
    if not raw:
        return "sqlite:///baton.db"
    return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", raw)


def _redis_url(env: Mapping[str, str]) -> str:
    url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    # Heroku's Key-Value Store speaks TLS with a self-signed certificate, and sets REDIS_URL
    # itself: BATON_REDIS_VERIFY_TLS=0 keeps the encryption and skips the verification.
    if url.startswith("rediss://") and env.get("BATON_REDIS_VERIFY_TLS") == "0":
        if "ssl_cert_reqs=" not in url:
            url += ("&" if "?" in url else "?") + "ssl_cert_reqs=none"
    return url


def _required(env: Mapping[str, str], name: str, problems: list[str]) -> str:
    value = env.get(name, "")
    if not value:
        problems.append(f"{name} is required (run `make env` to generate a local .env)")
    return value


def _encryption_keys(env: Mapping[str, str], problems: list[str]) -> tuple[str, ...]:
    # Comma-separated so a key can be rotated: the first encrypts, all decrypt.
    raw = env.get("ENCRYPTION_KEYS", "")
    keys = tuple(key.strip() for key in raw.split(",") if key.strip())
    if not keys:
        problems.append("ENCRYPTION_KEYS is required (a Fernet key; `make env` generates one)")
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            problems.append("ENCRYPTION_KEYS holds a value that is not a 32-byte url-safe key")
    return keys


def _positive_int(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    raw = env.get(name, str(default))
    if not raw.isdigit() or int(raw) == 0:
        problems.append(f"{name} must be a positive whole number, got {raw!r}")
        return default
    return int(raw)


def _seconds(env: Mapping[str, str], name: str, default: float, problems: list[str]) -> float:
    raw = env.get(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 60:
        problems.append(f"{name} must be a number of seconds from 0 to 60, got {raw!r}")
        return default
    return value


def _check_formats(values: dict, problems: list[str]) -> None:
    if not API_VERSION_PATTERN.match(values["shopify_api_version"]):
        problems.append(
            "SHOPIFY_API_VERSION must be a quarterly version such as 2026-10, "
            f"got {values['shopify_api_version']!r}"
        )
    app_url = values["shopify_app_url"]
    if app_url and urlparse(app_url).scheme != "https":
        problems.append(f"SHOPIFY_APP_URL must be an https URL, got {app_url!r}")
    if urlparse(values["redis_url"]).scheme not in ("redis", "rediss", "unix"):
        problems.append("REDIS_URL must start with redis://, rediss:// or unix://")
    if not values["database_url"].startswith(("sqlite", "postgresql")):
        problems.append("DATABASE_URL must be a sqlite:/// or postgresql:// URL")
    scopes = values["shopify_scopes"]
    if not re.fullmatch(r"[a-z_]+(,[a-z_]+)*", scopes):
        problems.append(f"SHOPIFY_SCOPES must be comma-separated scope names, got {scopes!r}")
