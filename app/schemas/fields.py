"""The kinds of field Baton's request models are made of.

Each is a pydantic type whose validator and JSON Schema come from the same arguments, so a limit
is written once and the published document cannot drift from what the code accepts. Messages
are for people ("must be a whole number from 0 to 90"); `problems()` keys them by field path,
as error.fields answers them ("prizes[0].weight").
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import Field, PlainValidator, ValidationError, WithJsonSchema
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import PydanticCustomError

from app.shopify.payloads import parse_timestamp

# Shared with the storefront views and the widget: one device list, one visitor-id pattern.
DEVICES = ("mobile", "tablet", "desktop")
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# How many items a list of text keeps; the rest are dropped, as the widget only reads these.
MAX_STRINGS = 50


def problem(message: str) -> PydanticCustomError:
    return PydanticCustomError("baton", message)


def problems(error: ValidationError) -> dict[str, str]:
    """{"prizes[0].weight": "must be ..."}: the first problem found at each field."""
    found: dict[str, str] = {}
    for detail in error.errors():
        found.setdefault(path_of(detail["loc"]), _message(detail))
    return found


def path_of(location: tuple) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def _message(detail: dict) -> str:
    if detail["type"] == "baton":
        return detail["msg"]
    if detail["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return "must be an object"
    return detail["msg"]  # pydantic's own words: nothing here should reach this


def _text_check(limit: int, required: bool):
    too_long = f"must be text of at most {limit} characters"

    def check(value):
        if value is None or value == "":
            if required:
                raise problem("is required")
            return ""
        if not isinstance(value, str) or len(value) > limit:
            raise problem(too_long)
        return value.strip()

    return check


def Text(limit: int, required: bool = False, **schema) -> Any:
    """Text of at most `limit` characters, trimmed; "" when absent unless required."""
    check = _text_check(limit, required)
    described = {"type": "string", "maxLength": limit} | ({"minLength": 1} if required else {})
    return Annotated[str, PlainValidator(check), WithJsonSchema(described | schema)]


def Pattern(limit: int, regex: str, message: str, required: bool = False) -> Any:
    """Text that must match `regex` in full once trimmed."""
    trimmed = _text_check(limit, required)
    compiled = re.compile(regex)

    def check(value):
        clean = trimmed(value)
        if clean and not compiled.fullmatch(clean):
            raise problem(message)
        return clean

    described = {"type": "string", "maxLength": limit, "pattern": f"^{regex}$"}
    described |= {"minLength": 1} if required else {}
    return Annotated[str, PlainValidator(check), WithJsonSchema(described)]


def Choice(options: tuple[str, ...]) -> Any:
    """One of `options`, exactly."""
    message = f"must be one of: {', '.join(options)}"

    def check(value):
        if value not in options:
            raise problem(message)
        return value

    described = {"type": "string", "enum": list(options)}
    return Annotated[str, PlainValidator(check), WithJsonSchema(described)]


def Whole(low: int, high: int | None = None, optional: bool = False) -> Any:
    """A whole number from low to high (JSON true and false are not numbers)."""
    span = f"from {low} to {high}" if high is not None else f"of {low} or more"

    def check(value):
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise problem(f"must be a whole number {span}")
        if value < low or (high is not None and value > high):
            raise problem(f"must be a whole number {span}")
        return value

    described = {"type": ["integer", "null"] if optional else "integer", "minimum": low}
    described |= {"maximum": high} if high is not None else {}
    return Annotated[int | None, PlainValidator(check), WithJsonSchema(described)]


AMOUNT_SCHEMA = {
    "type": ["string", "number", "null"],
    "description": 'A decimal amount of 0 or more, e.g. "19.90".',
}


def amount_of(value) -> Decimal:
    """A decimal of 0 or more to the cent, or the problem it is not."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = Decimal("-1")
    if not number.is_finite() or number < 0:
        raise problem("must be an amount of 0 or more")
    return number.quantize(Decimal("0.01"))


def _optional_amount(value) -> Decimal | None:
    return None if value is None else amount_of(value)


OptionalAmount = Annotated[
    Decimal | None, PlainValidator(_optional_amount), WithJsonSchema(AMOUNT_SCHEMA)
]


def _flag(value) -> bool:
    if not isinstance(value, bool):
        raise problem("must be true or false")
    return value


Flag = Annotated[bool, PlainValidator(_flag), WithJsonSchema({"type": "boolean"})]


def Strings(options: tuple[str, ...] | None = None, item: str | None = None, message="") -> Any:
    """A list of text, trimmed, blanks dropped, the first 50 kept; items limited to `options`
    or to the regex `item` (`message` says so)."""
    compiled = re.compile(item) if item else None

    def check(value):
        value = value or []
        if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
            raise problem("must be a list of text")
        if options is not None and any(entry not in options for entry in value):
            raise problem(f"may only contain: {', '.join(options)}")
        clean = [entry.strip() for entry in value if entry.strip()][:MAX_STRINGS]
        if compiled and any(not compiled.fullmatch(entry) for entry in clean):
            raise problem(message)
        return clean

    items = {"enum": list(options)} if options else {"type": "string"}
    items |= {"pattern": f"^{item}$"} if item else {}
    described = {"type": "array", "maxItems": MAX_STRINGS, "items": items}
    return Annotated[list[str], PlainValidator(check), WithJsonSchema(described)]


def _colour(value):
    if value is not None and not (isinstance(value, str) and COLOUR.match(value)):
        raise problem("must be a colour like #1a2b3c")
    return value


Colour = Annotated[
    str | None,
    PlainValidator(_colour),
    WithJsonSchema({"type": ["string", "null"], "pattern": COLOUR.pattern}),
]


def _moment(value):
    if not value:
        return None
    moment = parse_timestamp(value)
    if moment is None:
        raise problem("must be an ISO 8601 date and time")
    return moment


MOMENT_SCHEMA = {"type": ["string", "null"], "format": "date-time"}
Moment = Annotated[Any, PlainValidator(_moment), WithJsonSchema(MOMENT_SCHEMA)]


def section(value):
    """A nested object that may be left out (or sent empty, or null)."""
    return value or {}


# A field that must be sent: its absence is validated like any other value, so the answer
# names what it must be ("is required", "must be one of: ..."), not pydantic's "missing".
REQUIRED = Field(default=None, validate_default=True)


class DocumentSchema(GenerateJsonSchema):
    """JSON Schema for /openapi.json: REQUIRED fields are listed as required, with no default."""

    def field_title_should_be_set(self, schema) -> bool:
        return False  # the property's name says it

    def field_is_required(self, field, total) -> bool:
        return _must_be_sent(field["schema"]) or super().field_is_required(field, total)

    def default_schema(self, schema):
        if _must_be_sent(schema):
            return self.generate_inner(schema["schema"])
        return super().default_schema(schema)


def _must_be_sent(schema) -> bool:
    return (
        schema.get("type") == "default"
        and schema.get("validate_default") is True
        and "default" in schema
        and schema["default"] is None
    )
