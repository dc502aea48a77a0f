"""Campaign validation: every problem at once, keyed by the field it belongs to."""

import re
from decimal import Decimal, InvalidOperation

from app.models import GAMES, PRIZE_KINDS
from app.models.campaign import STATUSES
from app.shopify.payloads import parse_timestamp

DEVICES = ("mobile", "tablet", "desktop")
VISITOR_KINDS = ("any", "new", "returning")
EXPERIENCES = ("reminder", "nothing")
MAX_PRIZES = 12
TEXT_LIMITS = {
    "headline": 120,
    "body": 600,
    "button_text": 40,
    "logo_url": 2048,
    "success_text": 300,
    "teaser_text": 60,
}
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class Checker:
    """Collects errors as {"prizes[0].weight": "must be ..."} while reading a payload."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, path: str, message: str) -> None:
        self.errors.setdefault(path, message)

    def text(self, data: dict, key: str, path: str, limit: int, required: bool = False) -> str:
        value = data.get(key)
        if value is None or value == "":
            if required:
                self.fail(path, "is required")
            return ""
        if not isinstance(value, str) or len(value) > limit:
            self.fail(path, f"must be text of at most {limit} characters")
            return ""
        return value.strip()

    def choice(self, data: dict, key: str, path: str, options, default=None):
        value = data.get(key, default)
        if value not in options:
            self.fail(path, f"must be one of: {', '.join(options)}")
        return value

    def whole(
        self,
        data: dict,
        key: str,
        path: str,
        low: int,
        high: int | None = None,
        default=None,
        optional: bool = False,
    ):
        value = data.get(key, default)
        if value is None and optional:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < low
            or (high is not None and value > high)
        ):
            span = f"from {low} to {high}" if high is not None else f"of {low} or more"
            self.fail(path, f"must be a whole number {span}")
            return default
        return value

    def amount(self, data: dict, key: str, path: str, optional: bool = False) -> Decimal | None:
        value = data.get(key)
        if value is None and optional:
            return None
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = Decimal("-1")
        if not number.is_finite() or number < 0:
            self.fail(path, "must be an amount of 0 or more")
            return None
        return number.quantize(Decimal("0.01"))

    def flag(self, data: dict, key: str, path: str, default: bool = False) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(path, "must be true or false")
            return default
        return value

    def strings(self, data: dict, key: str, path: str, options=None) -> list[str]:
        value = data.get(key) or []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(path, "must be a list of text")
            return []
        if options is not None and any(item not in options for item in value):
            self.fail(path, f"may only contain: {', '.join(options)}")
        return [item.strip() for item in value if item.strip()][:50]

    def section(self, data: dict, key: str) -> dict:
        value = data.get(key) or {}
        if not isinstance(value, dict):
            self.fail(key, "must be an object")
            return {}
        return value


def validate_campaign(data) -> tuple[dict, dict[str, str]]:
    """Return (clean campaign fields, errors); errors is empty when the campaign is valid."""
    check = Checker()
    if not isinstance(data, dict):
        return {}, {"": "the body must be a JSON object"}
    clean = {
        "name": check.text(data, "name", "name", 255, required=True),
        "game": check.choice(data, "game", "game", GAMES),
        "status": check.choice(data, "status", "status", STATUSES, default="draft"),
        "holdout_percent": check.whole(
            data, "holdout_percent", "holdout_percent", 0, 90, default=0
        ),
        "code_prefix": _code_prefix(check, data),
        "content": _content(check, check.section(data, "content")),
        "consent": _consent(check, check.section(data, "consent")),
        "triggers": _triggers(check, check.section(data, "triggers")),
        "targeting": _targeting(check, check.section(data, "targeting")),
        "frequency": _frequency(check, check.section(data, "frequency")),
        "suppression": _suppression(check, check.section(data, "suppression")),
        "prizes": _prizes(check, data.get("prizes")),
        "variants": _variants(check, data.get("variants")),
    }
    clean["starts_at"], clean["ends_at"] = _schedule(check, data)
    return clean, check.errors


def _code_prefix(check: Checker, data: dict) -> str:
    prefix = data.get("code_prefix", "BATON")
    if not isinstance(prefix, str) or not re.fullmatch(r"[A-Z0-9]{0,12}", prefix):
        check.fail("code_prefix", "must be up to 12 capital letters or digits")
        return "BATON"
    return prefix


def _content(check: Checker, content: dict) -> dict:
    clean = {
        key: check.text(content, key, f"content.{key}", limit) for key, limit in TEXT_LIMITS.items()
    }
    for key in ("background_colour", "text_colour", "accent_colour"):
        value = content.get(key)
        if value is not None and not (isinstance(value, str) and COLOUR.match(value)):
            check.fail(f"content.{key}", "must be a colour like #1a2b3c")
        clean[key] = value
    clean["sms_field"] = check.flag(content, "sms_field", "content.sms_field")
    return clean


def _consent(check: Checker, consent: dict) -> dict:
    required = check.flag(consent, "required", "consent.required", default=True)
    text = check.text(consent, "text", "consent.text", 600, required=required)
    version = check.text(consent, "version", "consent.version", 32, required=required)
    sms_text = check.text(consent, "sms_text", "consent.sms_text", 600)
    return {"required": required, "text": text, "version": version, "sms_text": sms_text}


def _triggers(check: Checker, triggers: dict) -> dict:
    return {
        "delay_seconds": check.whole(
            triggers, "delay_seconds", "triggers.delay_seconds", 0, 3600, optional=True
        ),
        "scroll_percent": check.whole(
            triggers, "scroll_percent", "triggers.scroll_percent", 1, 100, optional=True
        ),
        "exit_intent": check.flag(triggers, "exit_intent", "triggers.exit_intent"),
        "click_selector": check.text(triggers, "click_selector", "triggers.click_selector", 200),
        "teaser_tab": check.flag(triggers, "teaser_tab", "triggers.teaser_tab"),
        "page_views": check.whole(
            triggers, "page_views", "triggers.page_views", 1, 100, optional=True
        ),
    }


def _targeting(check: Checker, targeting: dict) -> dict:
    countries = check.strings(targeting, "countries", "targeting.countries")
    if any(not re.fullmatch(r"[A-Z]{2}", country) for country in countries):
        check.fail("targeting.countries", "must be two-letter country codes such as DE")
    return {
        "include_urls": check.strings(targeting, "include_urls", "targeting.include_urls"),
        "exclude_urls": check.strings(targeting, "exclude_urls", "targeting.exclude_urls"),
        "devices": check.strings(targeting, "devices", "targeting.devices", DEVICES),
        "utm_source": check.text(targeting, "utm_source", "targeting.utm_source", 100),
        "utm_medium": check.text(targeting, "utm_medium", "targeting.utm_medium", 100),
        "referrer": check.text(targeting, "referrer", "targeting.referrer", 255),
        "countries": countries,
        "visitor": check.choice(
            targeting, "visitor", "targeting.visitor", VISITOR_KINDS, default="any"
        ),
        "min_cart_value": check.amount(
            targeting, "min_cart_value", "targeting.min_cart_value", optional=True
        ),
        "max_cart_value": check.amount(
            targeting, "max_cart_value", "targeting.max_cart_value", optional=True
        ),
    }


def _frequency(check: Checker, frequency: dict) -> dict:
    return {
        "days_after_close": check.whole(
            frequency, "days_after_close", "frequency.days_after_close", 0, 365, default=7
        ),
        "never_after_signup": check.flag(
            frequency, "never_after_signup", "frequency.never_after_signup", default=True
        ),
    }


def _suppression(check: Checker, suppression: dict) -> dict:
    return {
        "known_subscribers": check.flag(
            suppression, "known_subscribers", "suppression.known_subscribers", default=True
        ),
        "ordered_within_days": check.whole(
            suppression,
            "ordered_within_days",
            "suppression.ordered_within_days",
            1,
            3650,
            optional=True,
        ),
        "customer_tags": check.strings(suppression, "customer_tags", "suppression.customer_tags"),
        "experience": check.choice(
            suppression, "experience", "suppression.experience", EXPERIENCES, default="reminder"
        ),
    }


def _prizes(check: Checker, prizes) -> list[dict]:
    if not isinstance(prizes, list) or not 1 <= len(prizes) <= MAX_PRIZES:
        check.fail("prizes", f"must list from 1 to {MAX_PRIZES} prizes")
        return []
    clean = [
        _prize(check, prize if isinstance(prize, dict) else {}, f"prizes[{index}]")
        for index, prize in enumerate(prizes)
    ]
    if (
        not check.errors.keys() & {f"prizes[{i}].weight" for i in range(len(prizes))}
        and sum(prize["weight"] or 0 for prize in clean) == 0
    ):
        check.fail("prizes", "the prize weights must add up to more than 0")
    return clean


def _prize(check: Checker, prize: dict, path: str) -> dict:
    kind = check.choice(prize, "kind", f"{path}.kind", PRIZE_KINDS)
    value = check.amount(
        prize, "value", f"{path}.value", optional=kind in ("none", "free_shipping")
    )
    if kind == "percentage" and value is not None and not 0 < value <= 100:
        check.fail(f"{path}.value", "a percentage must be more than 0 and at most 100")
    if kind == "fixed_amount" and value is not None and value <= 0:
        check.fail(f"{path}.value", "a fixed amount must be more than 0")
    return {
        "label": check.text(prize, "label", f"{path}.label", 120, required=True),
        "kind": kind,
        "value": value or Decimal("0"),
        "weight": check.whole(prize, "weight", f"{path}.weight", 0, 100000),
        "cap": check.whole(prize, "cap", f"{path}.cap", 1, optional=True),
        "min_subtotal": check.amount(prize, "min_subtotal", f"{path}.min_subtotal", optional=True),
        "code_expiry_days": check.whole(
            prize, "code_expiry_days", f"{path}.code_expiry_days", 1, 365, optional=True
        ),
    }


def _variants(check: Checker, variants) -> list[dict]:
    if variants in (None, []):
        return [{"key": "A", "weight": 1, "content": {}}]
    if not isinstance(variants, list) or len(variants) > 6:
        check.fail("variants", "must list at most 6 variants")
        return []
    clean = []
    for index, variant in enumerate(variants):
        variant = variant if isinstance(variant, dict) else {}
        key = check.text(variant, "key", f"variants[{index}].key", 32, required=True)
        if key and not re.fullmatch(r"[A-Za-z0-9_-]+", key):
            check.fail(f"variants[{index}].key", "may use letters, digits, - and _ only")
        clean.append(
            {
                "key": key,
                "weight": check.whole(
                    variant, "weight", f"variants[{index}].weight", 0, 100, default=1
                ),
                "content": _overrides(_content(check, variant.get("content") or {})),
            }
        )
    if len({variant["key"] for variant in clean}) != len(clean):
        check.fail("variants", "variant keys must be different")
    if clean and sum(variant["weight"] or 0 for variant in clean) == 0:
        check.fail("variants", "the variant weights must add up to more than 0")
    return clean


def _overrides(content: dict) -> dict:
    # A variant stores only what it changes; the rest comes from the campaign.
    return {key: value for key, value in content.items() if value not in ("", None, False)}


def _schedule(check: Checker, data: dict):
    starts, ends = (
        parse_timestamp(data.get(key)) if data.get(key) else None
        for key in ("starts_at", "ends_at")
    )
    for key, value in (("starts_at", starts), ("ends_at", ends)):
        if data.get(key) and value is None:
            check.fail(key, "must be an ISO 8601 date and time")
    if starts and ends and ends <= starts:
        check.fail("ends_at", "must be after starts_at")
    return starts, ends
