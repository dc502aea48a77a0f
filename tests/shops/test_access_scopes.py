"""shopify.app.toml asks for every scope Baton's calls and subscriptions need, and no other.

The table of what each root field and topic needs is tests/specs/shopify/access-scopes-2026-10.toml,
written from Shopify's Admin API reference. A document Baton sends that reaches a root field
the table does not know fails here: look the field up and add its scope.
"""

import pytest
from cryptography.fernet import Fernet

from app.config import Settings
from app.demo.shopify_executor import effective_scopes, load_admin_api, root_fields_of
from app.shopify.app_toml import DECLARED_SCOPES, SUBSCRIBED_TOPICS
from tests.shopify_documents import baton_documents

API = load_admin_api("2026-10")
DOCUMENTS = baton_documents()
# What Baton asks for when SHOPIFY_SCOPES is not set (the authorization-code install).
DEFAULT_SCOPES = Settings.from_env(
    {"SECRET_KEY": "s", "ENCRYPTION_KEYS": Fernet.generate_key().decode()}
).shopify_scopes


def needs() -> dict[str, list[str]]:
    """What each root field and topic Baton uses needs (any of), by where it is used."""
    wanted = {}
    for name, text in DOCUMENTS.items():
        for operation, field in root_fields_of(API, text):
            table = API.scopes[operation]
            assert field in table, f"{name} uses {operation} {field}: add its scope to the table"
            wanted[f"{operation} {field}"] = table[field]
    for topic in SUBSCRIBED_TOPICS:
        assert topic in API.scopes["webhooks"], f"topic {topic}: add its scope to the table"
        wanted[f"webhook {topic}"] = API.scopes["webhooks"][topic]
    return wanted


@pytest.mark.parametrize("granted", [DECLARED_SCOPES, DEFAULT_SCOPES], ids=["toml", "default"])
def test_every_call_and_topic_is_covered(granted):
    scopes = effective_scopes(granted)
    missing = {
        use: any_of for use, any_of in needs().items() if any_of and not scopes & set(any_of)
    }
    assert missing == {}


def test_no_scope_is_asked_for_that_nothing_needs():
    needed = {scope for any_of in needs().values() for scope in any_of}
    # A write scope is asked for only where a mutation needs it, a read scope where a query or
    # topic does (listing the read beside its write keeps topics that name it literally happy).
    unused = {scope for scope in DECLARED_SCOPES.split(",") if scope not in needed}
    assert unused == set()


def test_a_missing_scope_fails():
    without_themes = ",".join(s for s in DECLARED_SCOPES.split(",") if s != "read_themes")
    scopes = effective_scopes(without_themes)
    assert not scopes & set(needs()["query themes"])
