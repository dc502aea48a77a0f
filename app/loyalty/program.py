"""A shop's loyalty program: its rules as the admin reads and writes them, validated."""

from decimal import Decimal, InvalidOperation

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import LoyaltyProgram

PROGRAMS_KEY = "baton_loyalty_programs"
# Bounds a merchant cannot mean to exceed: they catch a typo (1000 for 10.00).
MAX_POINTS_PER_UNIT = Decimal("1000")
MAX_VALUE = Decimal("10000")
MAX_SPEND = Decimal("1000000")
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
    "tier_window_days": (1, 3650, False),
    "referral_points": (0, 100_000, False),
}
MAX_TIERS = 10
MAX_TIER_NAME = 40
TIER_FIELDS = ("name", "min_orders", "min_spend", "free_shipping_monthly")
# Amounts of money off, as text with at most two decimals.
AMOUNT_SETTINGS = ("reward_value", "comeback_value", "referral_welcome_value")
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
    "tiers": [],
    "tier_window_days": 365,
    "referral_points": 0,
    "referral_welcome_value": "5.00",
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
    tiers = _read_tiers(body.get("tiers", []), errors)
    if tiers is not None:
        clean["tiers"] = tiers
    for name in sorted(set(body) - set(DEFAULTS)):
        errors[name] = "is not a program setting"
    return clean, errors


def _read_tiers(raw, errors: dict) -> list[dict] | None:
    """Tiers lowest first, each with a unique name and at least one threshold; every wrong
    field is named as tiers[<n>].<field>."""
    if not isinstance(raw, list) or len(raw) > MAX_TIERS:
        errors["tiers"] = f"must be a list of at most {MAX_TIERS} tiers"
        return None
    tiers, names, wrong = [], set(), {}
    for index, tier in enumerate(raw):
        if isinstance(tier, dict):
            tiers.append(_read_tier(tier, f"tiers[{index}]", names, wrong))
        else:
            wrong[f"tiers[{index}]"] = "must be an object"
    errors.update(wrong)
    return None if wrong else tiers


def _read_tier(tier: dict, at: str, names: set, wrong: dict) -> dict:
    name = tier.get("name")
    if not isinstance(name, str) or not 0 < len(name.strip()) <= MAX_TIER_NAME:
        wrong[f"{at}.name"] = f"must be 1 to {MAX_TIER_NAME} characters"
    elif name.strip().lower() in names:
        wrong[f"{at}.name"] = "is the name of another tier"
    else:
        names.add(name.strip().lower())
    orders = tier.get("min_orders")
    if orders is not None and not (_whole(orders) and 1 <= orders <= 10_000):
        wrong[f"{at}.min_orders"] = "must be empty or a whole number from 1 to 10000"
    spend = tier.get("min_spend")
    amount = _amount(spend) if spend is not None else None
    if spend is not None and (amount is None or not Decimal("0") < amount <= MAX_SPEND):
        wrong[f"{at}.min_spend"] = f"must be empty or an amount above 0, at most {MAX_SPEND}"
    if orders is None and spend is None:
        wrong[f"{at}.min_orders"] = "a tier needs a number of orders, a spend, or both"
    perk = tier.get("free_shipping_monthly", False)
    if not isinstance(perk, bool):
        wrong[f"{at}.free_shipping_monthly"] = "must be true or false"
    for extra in sorted(set(tier) - set(TIER_FIELDS)):
        wrong[f"{at}.{extra}"] = "is not a tier setting"
    return {
        "name": name.strip() if isinstance(name, str) else name,
        "min_orders": orders,
        "min_spend": str(amount) if amount is not None else None,
        "free_shipping_monthly": perk,
    }


def program_of(shop_domain: str) -> LoyaltyProgram | None:
    """The shop's program, read once per transaction: the worker asks for every order of a
    group, and a shop without a program (most of them) should cost one query, not twenty."""
    # The object itself is kept: the session's identity map holds it only weakly, and a
    # program garbage-collected between two orders was read again.
    known = db.session.info.setdefault(PROGRAMS_KEY, {})
    if shop_domain not in known:
        known[shop_domain] = db.session.scalar(
            select(LoyaltyProgram).where(LoyaltyProgram.shop_domain == shop_domain)
        )
    return known[shop_domain]


def save_program(shop_domain: str, values: dict) -> LoyaltyProgram:
    """Create or replace the shop's program with validated values."""
    program = program_of(shop_domain) or LoyaltyProgram(shop_domain=shop_domain)
    for name, value in values.items():
        setattr(program, name, value)
    db.session.add(program)
    db.session.flush()
    db.session.info.setdefault(PROGRAMS_KEY, {})[shop_domain] = program
    return program


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_programs(session: Session) -> None:
    session.info.pop(PROGRAMS_KEY, None)


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
