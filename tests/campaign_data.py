"""A valid campaign as the editor would send it, and a pool of codes for its prizes."""

from app.extensions import db
from app.models import CouponCode, Prize, PrizeDiscount
from app.models.types import utcnow
from app.popups.shopify_codes import lot_for
from app.shopify.discount_codes import new_code


def wheel(**overrides) -> dict:
    """A spin-to-win campaign with three prizes, one capped."""
    return {
        "name": "Spring wheel",
        "game": "wheel",
        "status": "live",
        "holdout_percent": 10,
        "code_prefix": "SPRING",
        "content": {
            "headline": "Spin to win",
            "body": "One spin per shopper.",
            "button_text": "Spin",
            "accent_colour": "#e4572e",
        },
        "consent": {
            "required": True,
            "text": "Email me offers. Unsubscribe any time.",
            "version": "2026-11-v1",
        },
        "triggers": {"delay_seconds": 5, "exit_intent": True},
        "targeting": {
            "devices": ["mobile", "desktop"],
            "countries": ["DE", "FR"],
            "visitor": "new",
            "exclude_urls": ["/checkout"],
        },
        "frequency": {"days_after_close": 7, "never_after_signup": True},
        "suppression": {
            "known_subscribers": True,
            "ordered_within_days": 30,
            "customer_tags": ["wholesale"],
            "experience": "reminder",
        },
        "prizes": [
            {"label": "10% off", "kind": "percentage", "value": "10", "weight": 60},
            {"label": "Free shipping", "kind": "free_shipping", "weight": 30},
            {
                "label": "€20 off",
                "kind": "fixed_amount",
                "value": "20",
                "weight": 10,
                "cap": 50,
                "min_subtotal": "80",
                "code_expiry_days": 14,
            },
        ],
        "variants": [
            {"key": "A", "weight": 1},
            {"key": "B", "weight": 1, "content": {"headline": "Try your luck"}},
        ],
    } | overrides


def seed_pool(prize_id: int, count: int, prefix: str = "SPRING") -> None:
    """Put `count` confirmed codes in the prize's lot for today, as a refill would have."""
    prize = db.session.get(Prize, prize_id)
    key, ends_at = lot_for(prize, utcnow().date())
    lot = PrizeDiscount(
        shop_domain=prize.campaign.shop_domain,
        prize_id=prize.id,
        lot_key=key,
        ends_at=ends_at,
        shopify_id=f"gid://shopify/DiscountCodeNode/{prize.id}",
    )
    db.session.add(lot)
    db.session.flush()
    db.session.add_all(
        CouponCode(
            shop_domain=lot.shop_domain,
            code=new_code(prefix),
            prize_id=prize.id,
            discount_id=lot.id,
            expires_at=ends_at,
            status="available",
        )
        for _ in range(count)
    )
    db.session.commit()
