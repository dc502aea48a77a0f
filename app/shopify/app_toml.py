"""shopify.app.toml, the one declaration of Baton's scopes and webhook subscriptions.

The Shopify CLI deploys this file; Baton reads the same file, so intake accepts exactly the
topics Shopify will send and the default scopes are exactly the ones Shopify will grant.
"""

import tomllib
from pathlib import Path

APP_TOML = Path(__file__).resolve().parent.parent.parent / "shopify.app.toml"


def load_app_toml(path: Path = APP_TOML) -> dict:
    """The parsed configuration."""
    return tomllib.loads(path.read_text())


def subscribed_topics(config: dict) -> frozenset[str]:
    """Every topic the configuration subscribes to, compliance topics included."""
    topics: set[str] = set()
    for subscription in config["webhooks"]["subscriptions"]:
        topics.update(subscription.get("topics", []))
        topics.update(subscription.get("compliance_topics", []))
    return frozenset(topics)


def declared_scopes(config: dict) -> str:
    """The access scopes the configuration asks for, comma-separated as Shopify takes them."""
    scopes = config["access_scopes"]["scopes"].split(",")
    return ",".join(scope.strip() for scope in scopes if scope.strip())


_CONFIG = load_app_toml()
SUBSCRIBED_TOPICS = subscribed_topics(_CONFIG)
DECLARED_SCOPES = declared_scopes(_CONFIG)
