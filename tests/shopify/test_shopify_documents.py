"""Every GraphQL document Baton sends is valid against Shopify's schema at the pinned version.

The schema is the slice in tests/specs/shopify/admin-2026-10.graphql, written from Shopify's
reference; a field Shopify does not have, an argument it does not take, a wrong type or a
deprecated field fails here, before any store sees it.
"""

import pytest
from graphql import parse, validate
from graphql.validation import NoDeprecatedCustomRule, specified_rules

from app.demo.shopify_executor import load_admin_api
from app.profiles import bulk
from tests.shopify_documents import baton_documents

API = load_admin_api("2026-10")
DOCUMENTS = baton_documents()


def test_the_documents_were_found():
    # Every module that talks to Shopify contributes: a scan that finds nothing proves nothing.
    modules = {name.rsplit(".", 1)[0] for name in DOCUMENTS if "." in name}
    assert {
        "app.popups.shopify_codes",
        "app.popups.code_withdrawal",
        "app.profiles.bulk",
        "app.selling.drafts",
        "app.shopify.theme_embed",
        "app.sync.platforms.shopify_consent",
        "workers.storefront",
    } <= modules
    assert len(DOCUMENTS) >= 18


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_is_valid_against_shopifys_schema(name):
    errors = validate(
        API.schema, parse(DOCUMENTS[name]), [*specified_rules, NoDeprecatedCustomRule]
    )
    assert [error.message for error in errors] == []


def test_a_field_shopify_does_not_have_fails():
    broken = bulk.bulk_query("customers", None).replace("numberOfOrders", "ordersCount")
    errors = validate(API.schema, parse(broken))
    assert "Cannot query field 'ordersCount' on type 'Customer'." in [e.message for e in errors]


def test_a_deprecated_field_fails():
    deprecated = "{ customers { edges { node { id phone } } } }"
    errors = validate(API.schema, parse(deprecated), [NoDeprecatedCustomRule])
    assert errors and "deprecated" in errors[0].message
