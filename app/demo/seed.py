"""The demo shop: installed, with one live campaign per game, its codes and its config queued."""

from flask import current_app
from sqlalchemy import select

from app.config import DEFAULT_SCOPES
from app.demo import DEMO_ACCESS_TOKEN, DEMO_SHOP
from app.demo.history import seed_history, seed_live_carts
from app.demo.loyalty_seed import seed_loyalty
from app.demo.shopify_admin import enable_demo_embed, publish_demo_history
from app.demo.store_history import store_history
from app.extensions import db
from app.models import Campaign, Shop
from app.models.types import utcnow
from app.popups.campaigns import save_campaign
from app.popups.pools import request_refills
from app.popups.storefront_config import request_publish
from app.schemas.campaign import read_campaign

CONSENT = {
    "required": True,
    "text": "Email me offers and news from the Baton demo store. Unsubscribe any time.",
    "version": "demo-v1",
    "sms_text": "Text me offers too. Reply STOP to stop.",
}
PRIZES = [
    {"label": "10% off", "kind": "percentage", "value": "10", "weight": 50, "code_expiry_days": 14},
    {"label": "Free shipping", "kind": "free_shipping", "weight": 30, "code_expiry_days": 14},
    {
        "label": "€15 off €60",
        "kind": "fixed_amount",
        "value": "15",
        "weight": 15,
        "cap": 100,
        "min_subtotal": "60",
        "code_expiry_days": 7,
    },
    {"label": "Next time", "kind": "none", "weight": 5},
]
CAMPAIGNS = [
    {
        "name": "Spin to win",
        "game": "wheel",
        "code_prefix": "SPIN",
        "content": {
            "headline": "Spin to win a welcome gift",
            "body": "One spin per shopper. Your code works once, at checkout.",
            "button_text": "Spin the wheel",
            "accent_colour": "#e4572e",
        },
        "triggers": {"delay_seconds": 8, "exit_intent": True, "click_selector": "#try-wheel"},
    },
    {
        "name": "Scratch card",
        "game": "scratch",
        "code_prefix": "SCRATCH",
        "content": {
            "headline": "Scratch for a surprise",
            "body": "Scratch the card to reveal your prize.",
            "button_text": "Scratch my card",
            "sms_field": True,
            "accent_colour": "#2e86ab",
        },
        "triggers": {"click_selector": "#try-scratch"},
    },
    {
        "name": "Gift box",
        "game": "giftbox",
        "code_prefix": "GIFT",
        "content": {
            "headline": "Pick a gift box",
            "body": "One of these boxes is yours. Choose wisely.",
            "button_text": "Open my box",
            "accent_colour": "#6a4c93",
            "teaser_text": "A gift for you",
        },
        "triggers": {"click_selector": "#try-giftbox", "teaser_tab": True},
    },
]


def seed_demo_shop() -> list[str]:
    """Create what is missing and queue codes and config; safe to run on every start."""
    done = []
    shop = db.session.scalar(select(Shop).where(Shop.domain == DEMO_SHOP))
    if shop is None:
        db.session.add(
            Shop(
                domain=DEMO_SHOP,
                access_token=DEMO_ACCESS_TOKEN,
                scopes=DEFAULT_SCOPES,
                installed_at=utcnow(),
                token_version=1,
            )
        )
        done.append(f"installed {DEMO_SHOP}")
    existing = set(
        db.session.scalars(select(Campaign.game).where(Campaign.shop_domain == DEMO_SHOP))
    )
    for spec in CAMPAIGNS:
        if spec["game"] in existing:
            continue
        clean, errors = read_campaign(_campaign(spec))
        if errors:
            raise ValueError(f"demo campaign {spec['name']!r} is invalid: {errors}")
        save_campaign(DEMO_SHOP, clean)
        done.append(f"created the {spec['game']} campaign")
    db.session.commit()
    history = seed_history()
    if history:
        done.append(history)
    loyalty = seed_loyalty()
    if loyalty:
        done.append(loyalty)
    done.append(f"{seed_live_carts()} live demo carts, active in the last hour")
    enable_demo_embed()
    # Customers and orders from before the install, for the history import to find.
    admin_base = current_app.config["BATON"].shopify_admin_base_url
    publish_demo_history(store_history(), f"{admin_base}/bulk")
    for campaign in db.session.scalars(select(Campaign).where(Campaign.shop_domain == DEMO_SHOP)):
        request_refills(campaign)
    request_publish(DEMO_SHOP)
    return done


def _campaign(spec: dict) -> dict:
    return spec | {
        "status": "live",
        "consent": CONSENT,
        "frequency": {"days_after_close": 1, "never_after_signup": True},
        "suppression": {"known_subscribers": True, "experience": "reminder"},
        "prizes": PRIZES,
        "variants": [{"key": "A", "weight": 1}],
    }
