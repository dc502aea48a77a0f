"""A shop's loyalty program: its rules as the admin reads and writes them, validated."""

from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from app.extensions import db
from app.models import LoyaltyProgram

# Bounds a merchant cannot mean to exceed: they catch a typo (1000 for 10.00).
MAX_POINTS_PER_UNIT = Decimal("1000")
MAX_BONUS = 100_000
MAX_EXPIRY_DAYS = 3650
MAX_REWARD_POINTS = 1_000_000
MAX_REWARD_VALUE = Decimal("10000")
MAX_REWARD_EXPIRY_DAYS = 365
DEFAULTS = {
    "enabled": False,
    "points_per_unit": "1",
    "first_order_bonus": 0,
    "expiry_days": None,
    "reward_points": 500,
    "reward_value": "5.00",
    "reward_expiry_days": 30,
}


def program_answer(program: LoyaltyProgram | None) -> dict:
    """The program as JSON; a shop that never set one sees the defaults, switched off."""
    if program is None:
        return dict(DEFAULTS)
    return {
        "enabled": program.enabled,
        "points_per_unit": str(program.points_per_unit),
        "first_order_bonus": program.first_order_bonus,
        "expiry_days": program.expiry_days,
        "reward_points": program.reward_points,
        "reward_value": str(program.reward_value),
        "reward_expiry_days": program.reward_expiry_days,
    }


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
    bonus = body.get("first_order_bonus", DEFAULTS["first_order_bonus"])
    if _whole(bonus) and 0 <= bonus <= MAX_BONUS:
        clean["first_order_bonus"] = bonus
    else:
        errors["first_order_bonus"] = f"must be a whole number from 0 to {MAX_BONUS}"
    expiry = body.get("expiry_days", DEFAULTS["expiry_days"])
    if expiry is None or (_whole(expiry) and 1 <= expiry <= MAX_EXPIRY_DAYS):
        clean["expiry_days"] = expiry
    else:
        errors["expiry_days"] = f"must be empty (points never lapse) or 1 to {MAX_EXPIRY_DAYS}"
    _read_reward(body, clean, errors)
    unknown = set(body) - set(DEFAULTS)
    for name in sorted(unknown):
        errors[name] = "is not a program setting"
    return clean, errors


def _read_reward(body: dict, clean: dict, errors: dict) -> None:
    price = body.get("reward_points", DEFAULTS["reward_points"])
    if _whole(price) and 1 <= price <= MAX_REWARD_POINTS:
        clean["reward_points"] = price
    else:
        errors["reward_points"] = f"must be a whole number from 1 to {MAX_REWARD_POINTS}"
    value = _amount(body.get("reward_value", DEFAULTS["reward_value"]))
    if value is None or not Decimal("0") < value <= MAX_REWARD_VALUE:
        errors["reward_value"] = f"must be an amount above 0 and at most {MAX_REWARD_VALUE}"
    else:
        clean["reward_value"] = value
    days = body.get("reward_expiry_days", DEFAULTS["reward_expiry_days"])
    if _whole(days) and 1 <= days <= MAX_REWARD_EXPIRY_DAYS:
        clean["reward_expiry_days"] = days
    else:
        errors["reward_expiry_days"] = f"must be a whole number from 1 to {MAX_REWARD_EXPIRY_DAYS}"


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
