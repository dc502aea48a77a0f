"""Run one Admin GraphQL request the way Shopify's endpoint does: its schema, scopes and errors.

The schema is a slice of Shopify's own at the pinned version, and the scopes the table its
reference documents (both in tests/specs/shopify/; the demo runs from a checkout, so it reads
them there too). A document that names a field Shopify lacks, a variable Shopify would
refuse, or a root field the token's scopes do not cover fails here as it does there, in the
shapes Shopify answers with (live captures: HTTP 200, `errors` with `extensions.code`
undefinedField, INVALID_VARIABLE, ACCESS_DENIED; see the slice's header for sources).
"""

import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute,
    get_operation_ast,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values

SPEC_DIR = Path(__file__).resolve().parent.parent.parent / "tests" / "specs" / "shopify"
SCOPES_DOCUMENTATION = "https://shopify.dev/api/usage/access-scopes"


@dataclass(frozen=True)
class AdminApi:
    """The schema of one API version and the scopes each root field requires."""

    schema: GraphQLSchema
    scopes: dict[str, dict[str, list[str]]]

    def required(self, operation: str, field: str) -> list[str]:
        """Any-of scopes a root field needs; an unknown field needs nothing we can check."""
        return self.scopes.get(operation, {}).get(field, [])


@functools.cache
def load_admin_api(version: str = "2026-10") -> AdminApi:
    """The Admin API at `version`, read once per process."""
    schema = build_schema((SPEC_DIR / f"admin-{version}.graphql").read_text())
    schema.type_map["DateTime"].parse_value = _date_time  # as strict as Shopify's
    scopes = tomllib.loads((SPEC_DIR / f"access-scopes-{version}.toml").read_text())
    return AdminApi(schema, scopes)


def effective_scopes(granted: list[str] | str) -> frozenset[str]:
    """Granted scopes plus what they imply: a write scope grants its read scope."""
    names = granted.split(",") if isinstance(granted, str) else granted
    scopes = {name.strip() for name in names if name.strip()}
    return frozenset(scopes | {s.replace("write_", "read_", 1) for s in scopes})


def run(
    api: AdminApi,
    query: str,
    variables: dict,
    granted: frozenset[str],
    resolvers: dict[str, Callable],
    operation_name: str | None = None,
) -> dict:
    """The JSON body Shopify would answer with, minus `extensions.cost`."""
    try:
        document = parse(query)
    except GraphQLError as error:
        return {"errors": [_parse_error(error)]}
    invalid = validate(api.schema, document)
    if invalid:
        return {"errors": [_validation_error(error, document) for error in invalid]}
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return {"errors": [{"message": "An operation name is required", "extensions": {}}]}
    coerced = get_variable_values(api.schema, operation.variable_definitions or (), variables)
    if isinstance(coerced, list):
        return {"errors": [_variable_error(error, operation, variables) for error in coerced]}
    denied = _denied(api, operation, granted)
    root = {
        name: (lambda *_, **__: None) if name in denied else resolver
        for name, resolver in resolvers.items()
    }
    result = execute(
        api.schema,
        document,
        root_value=root,
        variable_values=variables,
        operation_name=operation_name,
    )
    errors = [denied[name] for name in denied] + [
        {
            "message": error.message,
            "path": error.path,
            "extensions": {"code": "INTERNAL_SERVER_ERROR"},
        }
        for error in result.errors or []
    ]
    return ({"data": result.data} if result.data is not None else {}) | (
        {"errors": errors} if errors else {}
    )


def root_fields_of(api: AdminApi, query: str) -> list[tuple[str, str]]:
    """(operation type, field) of each root field a valid document selects."""
    document = parse(query)
    return [
        (operation.operation.value, selection.name.value)
        for operation in document.definitions
        if isinstance(operation, OperationDefinitionNode)
        for selection in operation.selection_set.selections
        if hasattr(selection, "name")
    ]


def required_access(scopes: list[str]) -> str:
    """Shopify's wording of what a denied field needs."""
    if len(scopes) == 1:
        return f"`{scopes[0]}` access scope."
    return " or ".join(f"the `{scope}`" for scope in scopes) + " access scope."


def _denied(api: AdminApi, operation: OperationDefinitionNode, granted: frozenset[str]) -> dict:
    denied = {}
    for selection in operation.selection_set.selections:
        name = getattr(selection, "name", None)
        if name is None:
            continue
        needed = api.required(operation.operation.value, name.value)
        if needed and not granted & set(needed):
            access = required_access(needed)
            denied[name.value] = {
                "message": f"Access denied for {name.value} field. Required access: {access}",
                "locations": [_location(selection)],
                "extensions": {
                    "code": "ACCESS_DENIED",
                    "documentation": SCOPES_DOCUMENTATION,
                    "requiredAccess": access,
                },
                "path": [name.value],
            }
    return denied


def _parse_error(error: GraphQLError) -> dict:
    location = error.locations[0] if error.locations else None
    where = f" at [{location.line}, {location.column}]" if location else ""
    return {
        "message": f"syntax error, {error.message.removeprefix('Syntax Error: ')}{where}",
        "locations": [{"line": loc.line, "column": loc.column} for loc in error.locations or []],
        "extensions": {"code": "PARSE_ERROR"},
    }


# graphql-core's wording -> Shopify's (graphql-ruby's) for the validation errors met in practice.
_VALIDATION_WORDING = [
    (
        re.compile(r"Cannot query field '(?P<field>\w+)' on type '(?P<type>\w+)'"),
        "undefinedField",
        "Field '{field}' doesn't exist on type '{type}'",
    ),
    (
        re.compile(r"Unknown argument '(?P<argument>\w+)' on field '\w+\.(?P<field>\w+)'"),
        "argumentNotAccepted",
        "Field '{field}' doesn't accept argument '{argument}'",
    ),
    (
        re.compile(r"Field '(?P<field>\w+)' of type '(?P<type>[^']+)' must have a selection"),
        "selectionMismatch",
        "Field must have selections (field '{field}' returns {type} but has no selections.",
    ),
    (
        re.compile(r"Unknown type '(?P<type>\w+)'"),
        "undefinedType",
        "No such type {type}, so it can't be a fragment condition",
    ),
]


def _validation_error(error: GraphQLError, document) -> dict:
    body = {
        "message": error.message,
        "locations": [{"line": loc.line, "column": loc.column} for loc in error.locations or []],
        "extensions": {"code": "validationError"},
    }
    for pattern, code, wording in _VALIDATION_WORDING:
        found = pattern.search(error.message)
        if found:
            body["message"] = wording.format(**found.groupdict())
            body["extensions"] = {"code": code} | {
                {"field": "fieldName", "type": "typeName"}.get(key, key): value
                for key, value in found.groupdict().items()
            }
            break
    return body


_COERCION = re.compile(
    r"^Variable '\$(?P<name>\w+)' got invalid value .*?(?: at '(?P<at>[^']+)')?; (?P<why>.*)$",
    re.DOTALL,
)
_UNDEFINED_INPUT = re.compile(r"Field '(?P<field>\w+)' is not defined by type '(?P<type>\w+)'")


def _variable_error(error: GraphQLError, operation, variables: dict) -> dict:
    found = _COERCION.match(error.message)
    name = found["name"] if found else ""
    definition = next(
        (d for d in operation.variable_definitions if d.variable.name.value == name), None
    )
    type_name = _type_text(definition.type) if definition else "?"
    path = _input_path(found["at"]) if found and found["at"] else []
    why = found["why"] if found else error.message
    undefined = _UNDEFINED_INPUT.search(why)
    if undefined:
        path, why = [*path, undefined["field"]], f"Field is not defined on {undefined['type']}"
    elif "not to be null" in why:
        why = "Expected value to not be null"
    detail = f" for {'.'.join(str(part) for part in path)} ({why})" if path else ""
    return {
        "message": f"Variable ${name} of type {type_name} was provided invalid value{detail}",
        "locations": [_location(definition)] if definition else [],
        "extensions": {
            "code": "INVALID_VARIABLE",
            "value": variables.get(name),
            "problems": [{"path": path, "explanation": why}],
        },
    }


def _input_path(at: str) -> list:
    # graphql-core writes 'discount.customerGets.value' and 'codes[3].code'; the first part is
    # the variable itself.
    parts: list = []
    for token in re.findall(r"[^.\[\]]+", at)[1:]:
        parts.append(int(token) if token.isdigit() else token)
    return parts


def _type_text(node) -> str:
    kind = node.kind
    if kind == "non_null_type":
        return _type_text(node.type) + "!"
    if kind == "list_type":
        return f"[{_type_text(node.type)}]"
    return node.name.value


def _location(node) -> dict:
    start = node.loc.source.get_location(node.loc.start) if node.loc else None
    return {"line": start.line, "column": start.column} if start else {}


def _date_time(value):
    # Shopify answers "invalid DateTime 'x'" for anything that is not ISO 8601.
    if not isinstance(value, str):
        raise GraphQLError(f"invalid DateTime '{value}'")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise GraphQLError(f"invalid DateTime '{value}'") from error
    return value
