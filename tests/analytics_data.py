"""A small shop history whose funnel and journey KPIs are worked out by hand (see EXPECTED).

Two campaigns in the last 30 days, plus one play and one day of impressions 40 days ago that
no 30-day figure may include.
"""

from datetime import timedelta
from decimal import Decimal

from app.extensions import db
from app.models import (
    Campaign,
    CampaignDailyStat,
    CampaignExposure,
    Cart,
    Checkout,
    CouponCode,
    Customer,
    Order,
    Play,
    Prize,
)
from app.models.types import utcnow
from tests.shopify_signing import SHOP

EXPECTED = {
    "wheel": {
        "impressions": 150,
        "opens": 80,
        "plays": 10,
        "leads": 8,
        "consented_leads": 6,
        "codes_issued": 8,
        "codes_redeemed": 3,
        "revenue": "150.00",
        "code_cost": "15.00",
    },
    "box": {
        "impressions": 40,
        "opens": 30,
        "plays": 5,
        "leads": 5,
        "consented_leads": 5,
        "codes_issued": 5,
        "codes_redeemed": 1,
        "revenue": "80.00",
        "code_cost": "10.00",
    },
    # 4 of 20 shown visitors ordered afterwards, 1 of 10 held out: (0.2 - 0.1) / 0.1.
    "lift": {
        "shown_visitors": 20,
        "holdout_visitors": 10,
        "shown_order_rate": 0.2,
        "holdout_order_rate": 0.1,
        "lift": 1.0,
    },
    "lead_to_purchase": {
        "leads": 13,
        "purchased": 4,
        "rate": 0.3077,
        "median_hours_to_first_purchase": 60.0,
    },
    "redemption": {"issued": 13, "redeemed": 4, "rate": 0.3077},
    "cart_recovery": {
        "abandoned": 4,
        "recovered": 1,
        "rate": 0.25,
        "emailed": {"abandoned": 2, "recovered": 1, "rate": 0.5},
        "not_emailed": {"abandoned": 2, "recovered": 0, "rate": 0.0},
    },
    "popup_leads": {
        "people": 13,
        "buyers": 4,
        "repeat_buyers": 2,
        "repeat_purchase_rate": 0.5,
        "revenue": "430.00",
        "revenue_per_person": "33.08",
    },
    "other_customers": {
        "people": 3,
        "buyers": 2,
        "repeat_buyers": 0,
        "repeat_purchase_rate": 0.0,
        "revenue": "160.00",
        "revenue_per_person": "53.33",
    },
}


def seed_history() -> dict:
    """Write the history; returns the two campaign ids."""
    now = utcnow()
    wheel = _campaign("Spring wheel", "wheel")
    box = _campaign("Gift box", "giftbox")
    _stats(wheel, "A", "desktop", now - timedelta(days=1), 100, 60)
    _stats(wheel, "B", "mobile", now - timedelta(days=2), 50, 20)
    _stats(box, "A", "mobile", now - timedelta(days=1), 40, 30)
    _stats(wheel, "A", "desktop", now - timedelta(days=40), 999, 999)  # out of range

    wheel_plays = []
    for n in range(10):
        with_email = n < 8
        wheel_plays.append(
            _play(
                wheel,
                variant="A" if n < 6 else "B",
                device="desktop" if n < 6 else "mobile",
                email=f"wheel{n}@example.com" if with_email else None,
                consented=n < 6,
                at=now - timedelta(days=10, hours=n),
            )
        )
    box_plays = [
        _play(box, "A", "mobile", f"box{n}@example.com", True, now - timedelta(days=9, hours=n))
        for n in range(5)
    ]
    _play(wheel, "A", "desktop", "old@example.com", True, now - timedelta(days=40))

    # Redemptions: three wheel codes and one box code, ordered 24, 48, 72 and 96 h after play.
    for n, (play, revenue, discount) in enumerate(
        [
            (wheel_plays[0], "50", "5"),
            (wheel_plays[1], "50", "5"),
            (wheel_plays[2], "50", "5"),
            (box_plays[0], "80", "10"),
        ]
    ):
        _redeem(play, Decimal(revenue), Decimal(discount), play.created_at + timedelta(days=n + 1))

    # Lift: 20 shown visitors (4 ordered after their offer) and 10 held out (1 ordered).
    for n in range(30):
        held = n >= 20
        visitor = f"exposed-{n:04d}"
        seen = now - timedelta(days=5)
        _expose(wheel, visitor, "holdout" if held else ("A" if n % 2 else "B"), seen)
        if n in (0, 1, 2, 3, 20):
            _visitor_order(visitor, seen + timedelta(hours=2), 9000 + n)
        elif n == 4:
            _visitor_order(visitor, seen - timedelta(days=1), 9000 + n)  # before: no credit

    # Checkouts: two finished in one go, four abandoned (two emailed, one of those recovered).
    for n, (minutes_to_finish, emailed) in enumerate(
        [(10, False), (20, False), (None, True), (600, True), (None, False), (None, False)]
    ):
        started = now - timedelta(days=3, hours=n)
        db.session.add(
            Checkout(
                shop_domain=SHOP,
                token=f"checkout-{n}",
                email=f"shopper{n}@example.com",
                started_at=started,
                completed_at=started + timedelta(minutes=minutes_to_finish)
                if minutes_to_finish
                else None,
                recovery_emailed_at=started + timedelta(hours=1) if emailed else None,
            )
        )

    # Customers: four of them pop-up leads, three not.
    for email, orders, spent in [
        ("wheel0@example.com", 1, 50),
        ("wheel1@example.com", 1, 50),
        ("wheel2@example.com", 2, 130),
        ("box0@example.com", 3, 200),
        ("regular1@example.com", 1, 100),
        ("regular2@example.com", 1, 60),
        ("browser@example.com", 0, 0),
    ]:
        db.session.add(
            Customer(shop_domain=SHOP, email=email, orders_count=orders, total_spent=Decimal(spent))
        )
    db.session.commit()
    return {"wheel": wheel.id, "box": box.id}


def _campaign(name: str, game: str) -> Campaign:
    campaign = Campaign(
        shop_domain=SHOP,
        name=name,
        game=game,
        status="live",
        holdout_percent=33 if game == "wheel" else 0,
        consent={"required": True, "text": "Email me offers.", "version": "v1"},
    )
    campaign.prizes = [Prize(label="10% off", kind="percentage", value=Decimal(10))]
    db.session.add(campaign)
    db.session.flush()
    return campaign


def _stats(campaign, variant, device, at, impressions, opens) -> None:
    db.session.add(
        CampaignDailyStat(
            shop_domain=SHOP,
            campaign_id=campaign.id,
            variant_key=variant,
            device=device,
            day=at.date(),
            impressions=impressions,
            opens=opens,
        )
    )


def _play(campaign, variant, device, email, consented, at) -> Play:
    play = Play(
        shop_domain=SHOP,
        campaign_id=campaign.id,
        variant_key=variant,
        prize_id=campaign.prizes[0].id,
        email=email,
        consented=consented,
        consent_text_version="v1" if consented else None,
        code=f"CODE-{campaign.id}-{variant}-{at.timestamp():.0f}" if email else None,
        device=device,
        visitor_key=f"v-{at.timestamp():.0f}",
        created_at=at,
    )
    db.session.add(play)
    db.session.flush()
    if email:
        db.session.add(
            CouponCode(
                shop_domain=SHOP,
                code=play.code,
                play_id=play.id,
                campaign_id=campaign.id,
                prize_id=play.prize_id,
                status="issued",
                issued_at=at,
            )
        )
    return play


def _redeem(play, revenue, discount, at) -> None:
    code = db.session.query(CouponCode).filter_by(play_id=play.id).one()
    order = Order(
        shop_domain=SHOP,
        shopify_id=int(at.timestamp()),
        email=play.email,
        total=revenue,
        subtotal=revenue,
        discount_codes=[{"code": code.code, "amount": str(discount)}],
        placed_at=at,
    )
    db.session.add(order)
    db.session.flush()
    code.status, code.redeemed_at, code.order_id = "redeemed", at, order.id
    code.attributed_revenue, code.discount_amount = revenue, discount


def _expose(campaign, visitor, variant, at) -> None:
    db.session.add(
        CampaignExposure(
            shop_domain=SHOP,
            campaign_id=campaign.id,
            visitor_key=visitor,
            variant_key=variant,
            device="desktop",
            first_seen_at=at,
        )
    )


def _visitor_order(visitor, at, shopify_id) -> None:
    token = f"cart-{visitor}"
    db.session.add(Cart(shop_domain=SHOP, token=token, visitor_key=visitor))
    db.session.add(
        Order(
            shop_domain=SHOP,
            shopify_id=shopify_id,
            cart_token=token,
            total=Decimal(30),
            subtotal=Decimal(30),
            placed_at=at,
        )
    )
