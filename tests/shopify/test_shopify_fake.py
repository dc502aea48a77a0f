"""The Shopify fake answers as Shopify does: schema, variables, scopes and their error shapes.

Each expectation is a shape Shopify's Admin API was recorded answering with (HTTP 200, an
`errors` list with `extensions.code`): undefinedField for a field the type lacks,
INVALID_VARIABLE with `problems` for a variable its input type refuses, ACCESS_DENIED with
`requiredAccess` and the field null for a scope the token lacks, PARSE_ERROR for bad syntax.
Baton's own client is what sends them, so its handling of each is tested too.
"""

import json

import pytest

from app.shopify.graphql import AdminGraphQL, ShopifyGraphQLError
from app.shopify.theme_embed import MAIN_THEME_SETTINGS
from tests.shopify_signing import SHOP

CREATE = """mutation Create($discount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $discount) {
    codeDiscountNode { id } userErrors { field message code }
  }
}"""
DISCOUNT = {
    "title": "Baton test",
    "code": "TEST-CODE",
    "startsAt": "2026-11-28T00:00:00Z",
    "context": {"all": "ALL"},
    "customerGets": {"value": {"percentage": 0.1}, "items": {"all": True}},
}


@pytest.fixture
def client():
    return AdminGraphQL(SHOP, "shpat_test", "2026-10", sleep=lambda _: None)


def raw(shopify, query: str, variables: dict | None = None) -> dict:
    status, body = shopify.fake.answer(
        json.dumps({"query": query, "variables": variables or {}}), "shpat_test"
    )
    assert status == 200
    return body


def test_a_field_the_type_lacks_is_undefined_field_with_no_data(shopify, client):
    body = raw(shopify, "{ currentAppInstallation { id handle } }")
    assert "data" not in body
    [error] = body["errors"]
    assert error["message"] == "Field 'handle' doesn't exist on type 'AppInstallation'"
    assert error["extensions"] == {
        "code": "undefinedField",
        "typeName": "AppInstallation",
        "fieldName": "handle",
    }
    with pytest.raises(ShopifyGraphQLError, match="doesn't exist"):
        client.execute("{ currentAppInstallation { id handle } }")


def test_an_input_field_shopify_does_not_define_is_an_invalid_variable(shopify):
    discount = DISCOUNT | {
        "customerGets": {
            "value": {"discountAmount": {"amount": "5", "each": True}},
            "items": {"all": True},
        }
    }
    [error] = raw(shopify, CREATE, {"discount": discount})["errors"]
    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert error["message"] == (
        "Variable $discount of type DiscountCodeBasicInput! was provided invalid value for "
        "customerGets.value.discountAmount.each (Field is not defined on DiscountAmountInput)"
    )
    assert error["extensions"]["problems"] == [
        {
            "path": ["customerGets", "value", "discountAmount", "each"],
            "explanation": "Field is not defined on DiscountAmountInput",
        }
    ]


def test_an_enum_given_as_a_boolean_is_refused(shopify):
    body = raw(shopify, CREATE, {"discount": DISCOUNT | {"context": {"all": True}}})
    assert body["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
    assert shopify.discounts == {}


def test_a_date_that_is_not_iso_8601_is_refused(shopify):
    body = raw(shopify, CREATE, {"discount": DISCOUNT | {"endsAt": "next tuesday"}})
    assert (
        "invalid DateTime 'next tuesday'"
        in body["errors"][0]["extensions"]["problems"][0]["explanation"]
    )


def test_a_missing_scope_is_access_denied_with_the_field_null(shopify, client):
    shopify.granted_scopes = "read_orders,write_discounts"
    body = raw(shopify, MAIN_THEME_SETTINGS)
    assert body["data"] == {"themes": None}
    [error] = body["errors"]
    assert error["message"] == (
        "Access denied for themes field. Required access: `read_themes` access scope."
    )
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert error["extensions"]["requiredAccess"] == "`read_themes` access scope."
    # Partial data with errors is an error to Baton, not a null to act on.
    with pytest.raises(ShopifyGraphQLError, match="Access denied for themes"):
        client.execute(MAIN_THEME_SETTINGS)


def test_a_write_scope_grants_its_read(shopify):
    shopify.granted_scopes = "write_discounts"
    query = "query($id: ID!) { discountRedeemCodeBulkCreation(id: $id) { id } }"
    assert "errors" not in raw(
        shopify, query, {"id": "gid://shopify/DiscountRedeemCodeBulkCreation/1"}
    )


def test_a_syntax_error_is_a_parse_error(shopify):
    [error] = raw(shopify, "{ currentAppInstallation { id }")["errors"]
    assert error["extensions"] == {"code": "PARSE_ERROR"}
    assert error["message"].startswith("syntax error")


def test_only_what_was_selected_comes_back(shopify):
    body = raw(shopify, CREATE, {"discount": DISCOUNT})
    assert body["data"]["discountCodeBasicCreate"]["codeDiscountNode"].keys() == {"id"}


def test_an_end_before_the_start_is_a_user_error(shopify):
    body = raw(shopify, CREATE, {"discount": DISCOUNT | {"endsAt": "2026-11-27T00:00:00Z"}})
    [error] = body["data"]["discountCodeBasicCreate"]["userErrors"]
    assert error["code"] == "END_DATE_BEFORE_START_DATE"


def test_a_missing_token_is_a_401(shopify):
    status, body = shopify.fake.answer(json.dumps({"query": "{ shop { id } }"}), None)
    assert status == 401 and "Invalid API key or access token" in body["errors"]
