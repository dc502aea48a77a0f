"""GET /openapi.json: a valid OpenAPI 3.1 document that describes every API route the app has."""

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.campaign_data import wheel
from tests.shopify_signing import bearer, session_token

API_PREFIXES = ("/admin/api/", "/proxy/", "/webhooks")
METHODS = {"get", "put", "post", "delete", "patch"}
DOCUMENT_URI = "urn:baton:openapi"


@pytest.fixture
def spec(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def openapi_path(rule: str) -> str:
    """/admin/api/campaigns/<int:campaign_id> -> /admin/api/campaigns/{campaign_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        node = pointer(spec, node["$ref"])
    return node


def pointer(spec, ref: str):
    assert ref.startswith("#/"), ref
    node = spec
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def schema_validator(spec, schema) -> Draft202012Validator:
    """Validate against a schema whose $refs point into the document."""
    registry = Registry().with_resource(
        DOCUMENT_URI, Resource.from_contents(spec, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": f"{DOCUMENT_URI}{ref_of(spec, schema)}"}, registry=registry
    )


def ref_of(spec, schema) -> str:
    # A component is validated by its own pointer; an inline schema via a throwaway copy.
    if "$ref" in schema:
        return schema["$ref"]
    spec.setdefault("x-inline", []).append(schema)
    return f"#/x-inline/{len(spec['x-inline']) - 1}"


def test_the_document_passes_the_openapi_3_1_specifications_own_validator(spec):
    problems = [error.message for error in OpenAPIV31SpecValidator(spec).iter_errors()]
    assert problems == []


def test_the_campaign_schema_is_the_one_the_api_validates_with(spec, client, installed_shop):
    # Limits come from the request models, so the document and the 400 agree.
    installed_shop()
    schemas = spec["components"]["schemas"]
    assert schemas["Triggers"]["properties"]["delay_seconds"]["maximum"] == 3600
    assert schemas["Prize"]["required"] == ["label", "kind", "weight"]
    body = {"name": "x", "game": "wheel", "consent": {"required": False}}
    body["prizes"] = [{"label": "a", "kind": "none", "weight": 1}]
    answer = client.post(
        "/admin/api/campaigns",
        json=body | {"triggers": {"delay_seconds": 3601}},
        headers=bearer(session_token()),
    )
    assert answer.get_json()["error"]["fields"] == {
        "triggers.delay_seconds": "must be a whole number from 0 to 3600"
    }


def test_a_campaign_answer_matches_its_published_schema(spec, client, installed_shop):
    # The answer is serialised by the model that publishes the Campaign schema.
    installed_shop()
    answer = client.post("/admin/api/campaigns", json=wheel(), headers=bearer(session_token()))
    assert answer.status_code == 201
    schema = {"$ref": "#/components/schemas/Campaign"}
    errors = list(schema_validator(spec, schema).iter_errors(answer.get_json()))
    assert errors == []
    assert set(answer.get_json()["prizes"][0]) >= {"id", "awarded", "value"}


def test_the_document_is_openapi_3_1_with_responses_everywhere(spec):
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["servers"][0]["url"] == "https://baton.test"
    ids = []
    for path, method, operation in operations(spec):
        assert operation["responses"], (method, path)
        for status, answer in operation["responses"].items():
            assert re.fullmatch(r"[1-5][0-9][0-9]|default", status), (path, status)
            assert resolve(spec, answer)["description"], (path, status)
        ids.append(operation["operationId"])
        for requirement in operation["security"]:
            assert set(requirement) <= set(spec["components"]["securitySchemes"])
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_every_reference_resolves_and_every_schema_is_json_schema(spec):
    for ref in set(refs(spec)):
        assert pointer(spec, ref) is not None, ref
    for name, schema in spec["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        schema_validator(spec, {"$ref": f"#/components/schemas/{name}"}).is_valid({})


def test_path_parameters_match_the_path_template(spec):
    for path, method, operation in operations(spec):
        declared = {
            resolve(spec, param)["name"]
            for param in operation.get("parameters", [])
            if resolve(spec, param)["in"] == "path"
        }
        assert declared == set(re.findall(r"{([^}]+)}", path)), (method, path)
        for param in operation.get("parameters", []):
            param = resolve(spec, param)
            assert param["in"] in ("query", "header", "path", "cookie")
            assert param["in"] != "path" or param["required"] is True


def test_request_examples_match_their_schemas(spec):
    checked = 0
    for path, method, operation in operations(spec):
        body = operation.get("requestBody", {})
        for media in body.get("content", {}).values():
            if "example" in media:
                errors = list(schema_validator(spec, media["schema"]).iter_errors(media["example"]))
                assert not errors, (method, path, [error.message for error in errors])
                checked += 1
    assert checked >= 8


def test_every_api_route_is_described_and_nothing_else(app, spec):
    routes = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(API_PREFIXES)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    described = {(path, method) for path, method, _ in operations(spec)}
    assert routes - described == set(), "routes missing from /openapi.json"
    assert described - routes == set(), "operations in /openapi.json that no route serves"
    assert {path.split("/")[1] for path, _ in routes} == {"admin", "proxy", "webhooks"}


def test_security_matches_each_family_of_routes(spec):
    for path, method, operation in operations(spec):
        schemes = {name for requirement in operation["security"] for name in requirement}
        if path.startswith("/admin/api/"):
            assert schemes == {"sessionToken"}, (method, path)
        elif path.startswith("/proxy/"):
            assert schemes == {"appProxySignature"}, (method, path)
        elif path.startswith("/webhooks/mailchimp/"):
            assert schemes == set()  # the secret is in the path
        else:
            assert schemes == {"webhookHmac"}, (method, path)
        if schemes:
            assert "401" in operation["responses"], (method, path)
