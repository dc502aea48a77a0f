"""Thirty days of history for the demo shop, so a newcomer sees real charts at once.

Deterministic (a fixed seed): impressions and opens, a few thousand plays with their consent
and codes, orders that redeem about a third of those codes, customers, carts and checkouts
(some abandoned, some recovered), and exposures with a holdout for lift. Written once: a shop
that already has history is left alone.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.demo import DEMO_SHOP
from app.extensions import db
from app.models import (
    HOLDOUT,
    Campaign,
    CampaignDailyStat,
    CampaignExposure,
    Cart,
    Checkout,
    CouponCode,
    Customer,
    Order,
    Play,
)
from app.models.types import utcnow
from app.profiles.timeline import record_event

DAYS = 30
SEED = 20261127
DEVICES = (("mobile", 0.62), ("desktop", 0.33), ("tablet", 0.05))


def seed_history() -> str | None:
    """Write the history unless the shop has some; returns what was done."""
    older = utcnow() - timedelta(days=1)
    if db.session.scalar(
        select(func.count(Play.id)).where(Play.shop_domain == DEMO_SHOP, Play.created_at < older)
    ):
        return None
    campaigns = list(
        db.session.scalars(
            select(Campaign).where(Campaign.shop_domain == DEMO_SHOP).order_by(Campaign.id)
        )
    )
    if not campaigns:
        return None
    writer = _History(random.Random(SEED), utcnow())
    for campaign in campaigns:
        writer.campaign(campaign)
    writer.other_customers()
    db.session.commit()
    return (
        f"wrote 30 days of demo history: {writer.plays} plays, {writer.orders} orders,"
        f" {writer.checkouts} checkouts"
    )


class _History:
    def __init__(self, rng: random.Random, now: datetime):
        self.rng, self.now = rng, now
        self.plays = self.orders = self.checkouts = 0
        self.customers: dict[str, Customer] = {}

    def campaign(self, campaign: Campaign) -> None:
        for day in range(DAYS, 0, -1):
            date = (self.now - timedelta(days=day)).date()
            # A gentle upward trend with weekly rhythm, so the chart has a shape.
            base = 60 + 2 * (DAYS - day) + (25 if date.weekday() >= 5 else 0)
            for device, share in DEVICES:
                impressions = int(base * share * self.rng.uniform(0.8, 1.2))
                opens = int(impressions * self.rng.uniform(0.45, 0.6))
                db.session.add(
                    CampaignDailyStat(
                        shop_domain=DEMO_SHOP,
                        campaign_id=campaign.id,
                        variant_key="A",
                        device=device,
                        day=date,
                        impressions=impressions,
                        opens=opens,
                    )
                )
                for _ in range(int(opens * self.rng.uniform(0.5, 0.7))):
                    self._play(campaign, device, day)
        self._exposures(campaign)

    def _play(self, campaign: Campaign, device: str, day: int) -> None:
        self.plays += 1
        n = self.plays
        at = self.now - timedelta(days=day, seconds=self.rng.randint(0, 86_000))
        email = f"shopper{n}@example.com" if self.rng.random() < 0.86 else None
        prize = self.rng.choices(campaign.prizes, weights=[p.weight or 0 for p in campaign.prizes])[
            0
        ]
        code = f"{campaign.code_prefix}-HIST{n:05d}" if email and prize.kind != "none" else None
        play = Play(
            shop_domain=DEMO_SHOP,
            campaign_id=campaign.id,
            variant_key="A",
            prize_id=prize.id,
            email=email,
            visitor_key=f"demo-visitor-{n:06d}",
            code=code,
            consented=bool(email) and self.rng.random() < 0.82,
            consent_text_version=(campaign.consent or {}).get("version"),
            device=device,
            created_at=at,
        )
        if play.consented is False:
            play.consent_text_version = None
        db.session.add(play)
        db.session.flush()
        if code is None:
            return
        coupon = CouponCode(
            shop_domain=DEMO_SHOP,
            code=code,
            play_id=play.id,
            campaign_id=campaign.id,
            prize_id=prize.id,
            variant="A",
            status="issued",
            issued_at=at,
            expires_at=at + timedelta(days=prize.code_expiry_days or 14),
        )
        db.session.add(coupon)
        if self.rng.random() < 0.34:
            self._redeem(play, coupon, prize, at)
        elif self.rng.random() < 0.25:
            self._checkout(play, at, recovered=self.rng.random() < 0.3)

    def _redeem(self, play: Play, coupon: CouponCode, prize, played_at: datetime) -> None:
        placed = played_at + timedelta(hours=self.rng.uniform(0.2, 24 * 9))
        if placed >= self.now:
            return
        total = Decimal(self.rng.randint(35, 160))
        discount = {
            "percentage": (total * (prize.value or 0) / 100).quantize(Decimal("0.01")),
            "fixed_amount": Decimal(prize.value or 0),
            "free_shipping": Decimal("4.95"),
        }.get(prize.kind, Decimal(0))
        customer = self._customer(play.email, placed, total)
        order = self._order(
            customer, placed, total, [{"code": coupon.code, "amount": str(discount)}]
        )
        self._cart(play.visitor_key, order, placed)
        coupon.status, coupon.redeemed_at, coupon.order_id = "redeemed", placed, order.id
        coupon.customer_id = customer.id
        coupon.attributed_revenue, coupon.discount_amount = total, discount
        play.customer_id = customer.id
        # Pop-up leads come back at least as often as other customers, as published
        # e-commerce benchmarks for email-captured customers have it (about a quarter here).
        if self.rng.random() < 0.45:
            again = placed + timedelta(days=self.rng.uniform(2, 12))
            if again < self.now:
                spent = Decimal(self.rng.randint(30, 120))
                self._order(self._customer(play.email, again, spent), again, spent, [])
        record_event(
            DEMO_SHOP,
            "code_redeemed",
            "web",
            placed,
            f"demo-history:code:{coupon.code}",
            customer_id=customer.id,
            details={"code": coupon.code, "order": order.name},
        )

    def _checkout(self, play: Play, at: datetime, recovered: bool) -> None:
        self.checkouts += 1
        started = at + timedelta(minutes=self.rng.randint(2, 600))
        emailed = self.rng.random() < 0.6
        completed = started + timedelta(hours=self.rng.uniform(3, 40)) if recovered else None
        if completed and completed >= self.now:
            completed = None
        checkout = Checkout(
            shop_domain=DEMO_SHOP,
            token=f"demo-checkout-{self.checkouts:05d}",
            email=play.email,
            abandoned_checkout_url=f"https://{DEMO_SHOP}/checkouts/demo-{self.checkouts:05d}/recover",
            total=Decimal(self.rng.randint(30, 140)),
            started_at=started,
            completed_at=completed,
            recovery_emailed_at=started + timedelta(hours=1) if emailed else None,
        )
        db.session.add(checkout)
        if completed:
            customer = self._customer(play.email, completed, checkout.total)
            checkout.customer_id = customer.id
            self._order(customer, completed, checkout.total, [], recovered=True)

    def _customer(self, email: str, ordered_at: datetime, total: Decimal) -> Customer:
        customer = self.customers.get(email)
        if customer is None:
            first = email.split("@")[0].capitalize()
            customer = Customer(
                shop_domain=DEMO_SHOP,
                email=email,
                first_name=first,
                last_name="Demo",
                orders_count=0,
                total_spent=Decimal(0),
                email_consent_state="subscribed" if self.rng.random() < 0.7 else "not_subscribed",
                created_at=ordered_at,
            )
            db.session.add(customer)
            db.session.flush()
            self.customers[email] = customer
        customer.orders_count += 1
        customer.total_spent += total
        customer.last_order_at = max(customer.last_order_at or ordered_at, ordered_at)
        return customer

    def _order(self, customer, placed, total, codes, recovered=False) -> Order:
        self.orders += 1
        order = Order(
            shop_domain=DEMO_SHOP,
            shopify_id=900_000 + self.orders,
            name=f"#D{1000 + self.orders}",
            email=customer.email,
            customer_id=customer.id,
            subtotal=total,
            total=total,
            currency="EUR",
            discount_codes=codes,
            financial_status="paid",
            placed_at=placed,
            recovered=recovered,
        )
        db.session.add(order)
        db.session.flush()
        record_event(
            DEMO_SHOP,
            "order_placed",
            "web",
            placed,
            f"demo-history:order:{order.shopify_id}",
            customer_id=customer.id,
            details={
                "name": order.name,
                "total": str(total),
                "currency": "EUR",
                "recovered": recovered,
            },
        )
        return order

    def _cart(self, visitor_key: str, order: Order, at: datetime) -> None:
        token = f"demo-cart-{order.shopify_id}"
        db.session.add(
            Cart(shop_domain=DEMO_SHOP, token=token, visitor_key=visitor_key, created_at=at)
        )
        order.cart_token = token

    def _exposures(self, campaign: Campaign) -> None:
        # Visitors offered the campaign (and a tenth held out), some of whom ordered later.
        for n in range(400):
            held = n % 10 == 0
            visitor = f"demo-exposed-{campaign.id}-{n:04d}"
            seen = self.now - timedelta(
                days=self.rng.randint(1, DAYS), hours=self.rng.randint(0, 23)
            )
            db.session.add(
                CampaignExposure(
                    shop_domain=DEMO_SHOP,
                    campaign_id=campaign.id,
                    visitor_key=visitor,
                    variant_key=HOLDOUT if held else "A",
                    device=self.rng.choice(("mobile", "desktop")),
                    first_seen_at=seen,
                )
            )
            if self.rng.random() < (0.06 if held else 0.11):
                placed = seen + timedelta(hours=self.rng.uniform(1, 48))
                if placed < self.now:
                    self.orders += 1
                    token = f"demo-exposed-cart-{campaign.id}-{n}"
                    db.session.add(
                        Cart(
                            shop_domain=DEMO_SHOP, token=token, visitor_key=visitor, created_at=seen
                        )
                    )
                    db.session.add(
                        Order(
                            shop_domain=DEMO_SHOP,
                            shopify_id=800_000 + self.orders,
                            name=f"#E{1000 + self.orders}",
                            cart_token=token,
                            subtotal=Decimal(60),
                            total=Decimal(60),
                            currency="EUR",
                            placed_at=placed,
                        )
                    )

    def other_customers(self) -> None:
        # Customers who never played: the comparison for repeat rate and revenue per person.
        for n in range(250):
            email = f"regular{n}@example.com"
            # About one in five comes back within the four months.
            for _ in range(self.rng.choice((1, 1, 1, 1, 1, 1, 1, 2, 3))):
                placed = self.now - timedelta(days=self.rng.randint(1, 120))
                total = Decimal(self.rng.randint(30, 180))
                customer = self._customer(email, placed, total)
                self._order(customer, placed, total, [])


LIVE_CARTS = 12


def seed_live_carts() -> int:
    """A dozen carts active in the last hour (some of pop-up leads holding a valid code), so
    the live carts page has something to show; run again, it makes them recent again."""
    from app.demo.cart_webhooks import SIMULATED_PREFIX  # noqa: PLC0415 - avoids a cycle

    rng, now = random.Random(SEED + 1), utcnow()
    leads = list(
        db.session.scalars(
            select(Play)
            .join(CouponCode, CouponCode.play_id == Play.id)
            .where(
                Play.shop_domain == DEMO_SHOP,
                CouponCode.redeemed_at.is_(None),
                CouponCode.expires_at > now,
            )
            .order_by(Play.id.desc())
            .limit(LIVE_CARTS // 2)
        )
    )
    products = [
        (1001, "Linen shirt", Decimal("59.00")),
        (1002, "Canvas tote", Decimal("24.00")),
        (1003, "Wool beanie", Decimal("32.00")),
    ]
    for n in range(LIVE_CARTS):
        token = f"{SIMULATED_PREFIX}{n:02d}"
        chosen = rng.sample(products, rng.randint(1, 3))
        lines = [
            {
                "variant_id": pid,
                "product_id": pid,
                "title": title,
                "quantity": rng.randint(1, 2),
                "price": str(price),
            }
            for pid, title, price in chosen
        ]
        cart = db.session.scalar(
            select(Cart).where(Cart.shop_domain == DEMO_SHOP, Cart.token == token)
        ) or Cart(shop_domain=DEMO_SHOP, token=token)
        cart.line_items = lines
        cart.total = sum(Decimal(line["price"]) * line["quantity"] for line in lines)
        cart.currency = "EUR"
        cart.created_at = now - timedelta(minutes=rng.randint(20, 90))
        cart.source_updated_at = now - timedelta(minutes=rng.randint(0, 55))
        if n < len(leads):
            cart.visitor_key, cart.customer_id = leads[n].visitor_key, leads[n].customer_id
        db.session.add(cart)
    db.session.commit()
    return LIVE_CARTS
