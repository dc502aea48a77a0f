"""A campaign as the admin sends it: every setting, its limits and its defaults, once.

`read_campaign()` answers (clean values, problems by field); the same models describe
CampaignInput in /openapi.json.
"""

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    WrapValidator,
    field_validator,
    model_validator,
)

from app.models.campaign import GAMES, PRIZE_KINDS, STATUSES
from app.schemas.fields import (
    AMOUNT_SCHEMA,
    DEVICES,
    REQUIRED,
    Choice,
    Colour,
    Flag,
    Moment,
    OptionalAmount,
    Pattern,
    Strings,
    Text,
    Whole,
    amount_of,
    problem,
    problems,
    section,
)

VISITOR_KINDS = ("any", "new", "returning")
EXPERIENCES = ("reminder", "nothing")
MAX_PRIZES = 12
MAX_VARIANTS = 6
TEXT_LIMITS = {
    "headline": 120,
    "body": 600,
    "button_text": 40,
    "logo_url": 2048,
    "success_text": 300,
    "teaser_text": 60,
}
# Prizes whose value means nothing, so it may be left out.
VALUELESS_KINDS = ("none", "free_shipping")


class Part(BaseModel):
    """A part of the campaign: unknown keys are ignored, as the editor may send more."""

    model_config = ConfigDict(extra="ignore")


Section = BeforeValidator(section)
# Left out, a section is read as {}: its own defaults and required parts apply.
SECTION = Field(default_factory=dict, validate_default=True)


class CampaignContent(Part):
    headline: Text(TEXT_LIMITS["headline"]) = ""
    body: Text(TEXT_LIMITS["body"]) = ""
    button_text: Text(TEXT_LIMITS["button_text"]) = ""
    logo_url: Text(TEXT_LIMITS["logo_url"]) = ""
    success_text: Text(TEXT_LIMITS["success_text"]) = ""
    teaser_text: Text(TEXT_LIMITS["teaser_text"]) = ""
    background_colour: Colour = None
    text_colour: Colour = None
    accent_colour: Colour = None
    sms_field: Flag = False


class Consent(Part):
    """The wording the shopper agrees to, and its version, stored with every play."""

    required: Flag = True
    # Checked even when left out: a campaign that asks for consent must say what is agreed to.
    text: Text(600) = Field(default="", validate_default=True)
    version: Text(32) = Field(default="", validate_default=True)
    sms_text: Text(600) = ""

    @field_validator("text", "version")
    @classmethod
    def _needed_when_required(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("required", True) and not value:
            raise problem("is required")
        return value


class Triggers(Part):
    delay_seconds: Whole(0, 3600, optional=True) = None
    scroll_percent: Whole(1, 100, optional=True) = None
    exit_intent: Flag = False
    click_selector: Text(200) = ""
    teaser_tab: Flag = False
    page_views: Whole(1, 100, optional=True) = None


class Targeting(Part):
    include_urls: Strings() = []
    exclude_urls: Strings() = []
    devices: Strings(DEVICES) = []
    utm_source: Text(100) = ""
    utm_medium: Text(100) = ""
    referrer: Text(255) = ""
    countries: Strings(item="[A-Z]{2}", message="must be two-letter country codes such as DE") = []
    visitor: Choice(VISITOR_KINDS) = "any"
    min_cart_value: OptionalAmount = None
    max_cart_value: OptionalAmount = None


class Frequency(Part):
    days_after_close: Whole(0, 365) = 7
    never_after_signup: Flag = True


class Suppression(Part):
    """Who is not offered the game again, and what they see instead."""

    known_subscribers: Flag = True
    ordered_within_days: Whole(1, 3650, optional=True) = None
    customer_tags: Strings() = []
    experience: Choice(EXPERIENCES) = "reminder"


class Prize(Part):
    label: Text(120, required=True) = REQUIRED
    kind: Choice(PRIZE_KINDS) = REQUIRED
    value: Annotated[Decimal, WithJsonSchema(AMOUNT_SCHEMA)] = None
    weight: Whole(0, 100_000) = REQUIRED
    cap: Whole(1, optional=True) = None
    min_subtotal: OptionalAmount = None
    code_expiry_days: Whole(1, 365, optional=True) = None

    @model_validator(mode="before")
    @classmethod
    def _value_always_checked(cls, data: dict) -> dict:
        # Absent, the value is checked too: only some kinds of prize may leave it out.
        return {"value": None} | data

    @field_validator("value", mode="plain")
    @classmethod
    def _value_for_kind(cls, value, info: ValidationInfo) -> Decimal:
        kind = info.data.get("kind")
        if value is None and kind in VALUELESS_KINDS:
            return Decimal("0")
        amount = amount_of(value)
        if kind == "percentage" and not 0 < amount <= 100:
            raise problem("a percentage must be more than 0 and at most 100")
        if kind == "fixed_amount" and amount <= 0:
            raise problem("a fixed amount must be more than 0")
        return amount


VARIANT_KEY = "[A-Za-z0-9_-]+"


class Variant(Part):
    key: Pattern(32, VARIANT_KEY, "may use letters, digits, - and _ only", required=True) = REQUIRED
    weight: Whole(0, 100) = 1
    # Only what the variant changes; the rest comes from the campaign.
    content: Annotated[CampaignContent, Section] = SECTION


def _prizes(value, handler) -> list[Prize]:
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_PRIZES:
        raise problem(f"must list from 1 to {MAX_PRIZES} prizes")
    prizes = handler([item if isinstance(item, dict) else {} for item in value])
    if sum(prize.weight for prize in prizes) == 0:
        raise problem("the prize weights must add up to more than 0")
    return prizes


def _variants(value, handler) -> list[Variant]:
    if value in (None, []):
        value = [{"key": "A", "weight": 1}]
    if not isinstance(value, list) or len(value) > MAX_VARIANTS:
        raise problem(f"must list at most {MAX_VARIANTS} variants")
    variants = handler([item if isinstance(item, dict) else {} for item in value])
    if len({variant.key for variant in variants}) != len(variants):
        raise problem("variant keys must be different")
    if sum(variant.weight for variant in variants) == 0:
        raise problem("the variant weights must add up to more than 0")
    return variants


def _list_of(model: type[Part], check, low: int, high: int) -> Any:
    # The check answers a wrong length in its own words before the bounds are reached.
    return Annotated[list[model], Field(min_length=low, max_length=high), WrapValidator(check)]


def _code_prefix(value) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z0-9]{0,12}", value):
        raise problem("must be up to 12 capital letters or digits")
    return value


class CampaignInput(Part):
    """A campaign to create, or to replace one with."""

    name: Text(255, required=True) = REQUIRED
    game: Choice(GAMES) = REQUIRED
    status: Choice(STATUSES) = "draft"
    holdout_percent: Whole(0, 90) = 0
    code_prefix: Annotated[
        str,
        PlainValidator(_code_prefix),
        WithJsonSchema({"type": "string", "pattern": "^[A-Z0-9]{0,12}$"}),
    ] = "BATON"
    starts_at: Moment = None
    ends_at: Moment = None
    content: Annotated[CampaignContent, Section] = SECTION
    consent: Annotated[Consent, Section] = SECTION
    triggers: Annotated[Triggers, Section] = SECTION
    targeting: Annotated[Targeting, Section] = SECTION
    frequency: Annotated[Frequency, Section] = SECTION
    suppression: Annotated[Suppression, Section] = SECTION
    prizes: _list_of(Prize, _prizes, 1, MAX_PRIZES) = REQUIRED
    variants: _list_of(Variant, _variants, 0, MAX_VARIANTS) = Field(
        default_factory=list, validate_default=True
    )

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, value, info: ValidationInfo):
        starts = info.data.get("starts_at")
        if value and starts and value <= starts:
            raise problem("must be after starts_at")
        return value


def read_campaign(data) -> tuple[dict, dict[str, str]]:
    """(clean campaign fields, problems by field); the problems are empty when it is valid."""
    if not isinstance(data, dict):
        return {}, {"": "the body must be a JSON object"}
    try:
        campaign = CampaignInput.model_validate(data)
    except ValidationError as error:
        return {}, problems(error)
    clean = campaign.model_dump(exclude={"variants"})
    clean["variants"] = [
        {
            "key": variant.key,
            "weight": variant.weight,
            "content": {
                key: value
                for key, value in variant.content.model_dump().items()
                if value not in ("", None, False)
            },
        }
        for variant in campaign.variants
    ]
    return clean, {}


# -- the campaign as the API answers with it ------------------------------------------------


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


Timestamp = Annotated[
    Any, PlainSerializer(_iso), WithJsonSchema({"type": ["string", "null"], "format": "date-time"})
]
Money = Annotated[Any, PlainSerializer(str), WithJsonSchema({"type": "string"})]
OptionalMoney = Annotated[
    Any,
    PlainSerializer(lambda amount: str(amount) if amount else None),
    WithJsonSchema({"type": ["string", "null"]}),
]


class Answer(BaseModel):
    """A model read from database rows, to answer with."""

    model_config = ConfigDict(from_attributes=True)


class PrizeAnswer(Answer):
    id: int
    label: str
    kind: str
    value: Money
    weight: int
    cap: int | None
    awarded: int = Field(validation_alias="awarded_count")
    min_subtotal: OptionalMoney
    code_expiry_days: int | None


class VariantAnswer(Answer):
    key: str
    weight: int
    content: dict


class Campaign(Answer):
    """A campaign as the editor reads it back: its settings, prize ids and award counts."""

    id: int
    name: str
    game: str
    status: str
    holdout_percent: int
    code_prefix: str
    content: dict
    consent: dict
    triggers: dict
    targeting: dict
    frequency: dict
    suppression: dict
    starts_at: Timestamp
    ends_at: Timestamp
    prizes: list[PrizeAnswer]
    variants: list[VariantAnswer]


def campaign_answer(campaign) -> dict:
    """The campaign row as the admin API answers with it."""
    return Campaign.model_validate(campaign).model_dump(mode="json")
