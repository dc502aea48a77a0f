"""A campaign's official rules, generated from the live campaign: prizes, odds and terms.

The odds come from popups.draw.odds, the function the draw itself reads, and are computed on
every request, so the published page can never disagree with the next play.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from app.models import Campaign, Prize
from app.popups.campaigns import campaign_for
from app.popups.draw import odds

GAME_NAMES = {"wheel": "Spin-to-win wheel", "scratch": "Scratch card", "giftbox": "Gift box"}


@dataclass(frozen=True)
class PrizeRule:
    """One prize as the rules publish it."""

    label: str
    description: str
    # The chance in the next play, as a fraction; None once a cap has given them all out.
    chance: float | None
    cap: int | None
    remaining: int | None
    minimum_order: Decimal | None
    expiry_days: int | None
    gives_code: bool

    @property
    def percent(self) -> str:
        """ "12.5%": two decimals at most, as a shopper reads odds."""
        if not self.chance:
            return "0%"
        shown = round(self.chance * 100, 2)
        return f"{shown:g}%" if shown else "under 0.01%"

    @property
    def one_in(self) -> int | None:
        """The chance as "1 in N", for prizes won by one play in four or fewer."""
        return round(1 / self.chance) if self.chance and self.chance <= 0.25 else None


@dataclass(frozen=True)
class OfficialRules:
    """Everything a shopper needs to judge the game before giving an email."""

    shop_domain: str
    campaign_id: int
    name: str
    game: str
    running: bool
    starts_at: datetime | None
    ends_at: datetime | None
    prizes: list[PrizeRule]
    consent_required: bool
    consent_text: str
    not_eligible: list[str]
    countries: list[str]
    holdout_percent: int
    generated_at: datetime

    @property
    def chances_total(self) -> float:
        """1.0 while anything can be won; 0 once every prize is given out."""
        return sum(prize.chance or 0 for prize in self.prizes)


def official_rules(shop_domain: str, campaign_id: int, now: datetime) -> OfficialRules | None:
    """The rules of one of this shop's published campaigns; None for drafts and strangers."""
    campaign = campaign_for(shop_domain, campaign_id)
    if campaign is None or campaign.status == "draft":
        return None
    chances = odds(campaign.prizes)
    consent = campaign.consent or {}
    targeting = campaign.targeting or {}
    return OfficialRules(
        shop_domain=shop_domain,
        campaign_id=campaign.id,
        name=campaign.name,
        game=GAME_NAMES.get(campaign.game, campaign.game),
        running=campaign.is_running(now),
        starts_at=campaign.starts_at,
        ends_at=campaign.ends_at,
        prizes=[_prize_rule(prize, chances.get(prize.id)) for prize in campaign.prizes],
        consent_required=consent.get("required", True),
        consent_text=consent.get("text", ""),
        not_eligible=_not_eligible(campaign),
        countries=list(targeting.get("countries") or []),
        holdout_percent=campaign.holdout_percent or 0,
        generated_at=now,
    )


def _prize_rule(prize: Prize, chance: float | None) -> PrizeRule:
    return PrizeRule(
        label=prize.label,
        description=_description(prize),
        chance=chance,
        cap=prize.cap,
        remaining=None if prize.cap is None else max(prize.cap - prize.awarded_count, 0),
        minimum_order=prize.min_subtotal,
        expiry_days=prize.code_expiry_days,
        gives_code=prize.kind != "none",
    )


def _description(prize: Prize) -> str:
    value = prize.value or Decimal("0")
    if prize.kind == "percentage":
        return f"{value.normalize():f}% off your order"
    if prize.kind == "fixed_amount":
        return f"{value:.2f} off your order, in the shop's currency"
    if prize.kind == "free_shipping":
        return "Free shipping on your order"
    return "No prize this time"


def _not_eligible(campaign: Campaign) -> list[str]:
    """Who the campaign's own settings leave out, in words."""
    rules = campaign.suppression or {}
    left_out = []
    if rules.get("known_subscribers", True):
        left_out.append("shoppers already subscribed to the shop's emails")
    days = rules.get("ordered_within_days")
    if days:
        left_out.append(f"customers who placed an order in the last {days} days")
    tags = rules.get("customer_tags") or []
    if tags:
        left_out.append("customers tagged " + ", ".join(tags))
    return left_out
