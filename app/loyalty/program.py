"""A shop's loyalty program: its rules as the admin reads and writes them, validated."""

from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from app.extensions import db
from app.models import LoyaltyProgram

# Bounds a merchant cannot mean to exceed: they catch a typo (1000 for 10.00).
MAX_POINTS_PER_UNIT = Decimal("1000")
MAX_VALUE = Decimal("10000")
# Whole-number settings: (lowest, highest, whether empty means "off").
WHOLE_SETTINGS = {
    "first_order_bonus": (0, 100_000, False),
    "account_bonus": (0, 100_000, False),
    "signup_bonus": (0, 100_000, False),
    "expiry_days": (1, 3650, True),
    "expiry_warning_days": (1, 90, False),
    "reward_points": (1, 1_000_000, False),
    "reward_expiry_days": (1, 365, False),
    "comeback_days": (1, 3650, True),
}
# Amounts of money off, as text with at most two decimals.
AMOUNT_SETTINGS = ("reward_value", "comeback_value")
DEFAULTS = {
    "enabled": False,
    "points_per_unit": "1",
    "first_order_bonus": 0,
    "account_bonus": 0,
    "signup_bonus": 0,
    "expiry_days": None,
    "expiry_warning_days": 7,
    "reward_points": 500,
    "reward_value": "5.00",
    "reward_expiry_days": 30,
    "comeback_days": None,
    "comeback_value": "5.00",
}


def program_answer(program: LoyaltyProgram | None) -> dict:
    """The program as JSON; a shop that never set one sees the defaults, switched off."""
    if program is None:
        return dict(DEFAULTS)
    answer = {name: getattr(program, name) for name in DEFAULTS}
    for name in ("points_per_unit", *AMOUNT_SETTINGS):
        answer[name] = str(answer[name])
    return answer


def read_program(body) -> tuple[dict, dict[str, str]]:
    """The fields of a program update, and a message per field that is wrong."""
    if not isinstance(body, dict):
        return {}, {"": "send the program as a JSON object"}
    clean, errors = {}, {}
    enabled = body.get("enabled", DEFAULTS["enabled"])
    if isinstance(enabled, bool):
        clean["enabled"] = enabled
    else:
        errors["enabled"] = "must be true or false"
    rate = _amount(body.get("points_per_unit", DEFAULTS["points_per_unit"]))
    if rate is None or not Decimal("0") < rate <= MAX_POINTS_PER_UNIT:
        errors["points_per_unit"] = f"must be a number above 0 and at most {MAX_POINTS_PER_UNIT}"
    else:
        clean["points_per_unit"] = rate
    for name, (lowest, highest, may_be_off) in WHOLE_SETTINGS.items():
        value = body.get(name, DEFAULTS[name])
        if (value is None and may_be_off) or (_whole(value) and lowest <= value <= highest):
            clean[name] = value
        else:
            off = "empty (off) or " if may_be_off else ""
            errors[name] = f"must be {off}a whole number from {lowest} to {highest}"
    for name in AMOUNT_SETTINGS:
        value = _amount(body.get(name, DEFAULTS[name]))
        if value is None or not Decimal("0") < value <= MAX_VALUE:
            errors[name] = f"must be an amount above 0 and at most {MAX_VALUE}"
        else:
            clean[name] = value
    for name in sorted(set(body) - set(DEFAULTS)):
        errors[name] = "is not a program setting"
    return clean, errors


def program_of(shop_domain: str) -> LoyaltyProgram | None:
    return db.session.scalar(
        select(LoyaltyProgram).where(LoyaltyProgram.shop_domain == shop_domain)
    )


def save_program(shop_domain: str, values: dict) -> LoyaltyProgram:
    """Create or replace the shop's program with validated values."""
    program = program_of(shop_domain) or LoyaltyProgram(shop_domain=shop_domain)
    for name, value in values.items():
        setattr(program, name, value)
    db.session.add(program)
    db.session.flush()
    return program


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _amount(value) -> Decimal | None:
    # Numbers or strings ("2.5"), at most two decimals: the column keeps no more.
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount
