"""The demo storefront: the widget in real headless Chromium (Debian's package), and plays
through the demo's signed app proxy.

The demo app serves the page, plays Shopify's app proxy and hosts the Shopify Admin fake; the
Procfile's worker fills the code pools and publishes the embed config, over HTTP, as in
production.
"""

import re
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select

from app.config import ROOT
from app.demo.shopify_admin import demo_has_code
from app.extensions import db
from app.models import CouponCode, Customer, LoyaltyMember, Play, Prize, PrizeDiscount
from app.popups.campaigns import save_campaign
from app.schemas.campaign import read_campaign
from tests.campaign_data import wheel
from tests.live_demo import (  # noqa: F401 - app_context, browser and page are fixtures
    DEMO_SHOP,
    app_context,
    browser,
    fresh_page,
    page,
    seeded_demo,
)

ARTIFACTS = ROOT / "test-artifacts"
BACKEND = re.compile(r"/demo/apps/baton/|/proxy/")


@pytest.fixture(scope="module")
def demo(redis_server):
    with seeded_demo(redis_server.url) as live:
        yield live


def play(page, email: str) -> str:
    """Fill the form, agree, submit; returns the code the widget shows."""
    page.get_by_label("Email address").fill(email)
    page.locator("#baton-consent").check()
    page.locator(".baton-form .baton-primary").click()
    return page.locator(".baton-result .baton-code code").inner_text(timeout=15000)


def stored_play(email: str) -> Play:
    db.session.rollback()
    return db.session.scalar(select(Play).where(Play.email == email))


def test_visitors_who_never_engage_send_no_request_to_baton(demo, page):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    for path in ("", "/products/linen-shirt", "/cart", ""):
        page.goto(demo.storefront(path))
        page.wait_for_load_state("networkidle")
    assert not [url for url in requests if BACKEND.search(url)]
    # Only the page and the small loader: the game code waits for a trigger.
    assert not [url for url in requests if "baton-game.js" in url or "baton.css" in url]
    assert sum("baton-loader.js" in url for url in requests) >= 1


@pytest.mark.parametrize("game", ["wheel", "scratch", "giftbox"])
def test_each_game_plays_to_a_real_code_that_lands_in_the_cart(demo, page, game):
    email = f"{game}-player@example.com"
    page.goto(demo.storefront())
    page.locator(f"#try-{game}").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("data-game", game)
    if game == "wheel":
        expect(page.locator(".baton-wheel .baton-slice")).to_have_count(4)
    if game == "giftbox":
        page.get_by_role("button", name="Gift box 1").click()
        expect(page.get_by_role("button", name="Gift box 1")).to_have_attribute(
            "aria-pressed", "true"
        )
    page.get_by_label("Email address").fill(email)
    page.locator("#baton-consent").check()
    page.locator(".baton-form .baton-primary").click()
    if game == "scratch":
        page.get_by_role("button", name="Reveal now").click()
    shown = page.locator(".baton-result").inner_text(timeout=15000)
    record = stored_play(email)
    assert record is not None and record.consented
    if record.code is None:  # the "Next time" slice: no code, and the widget says so
        assert "Next time" in shown
        return
    code = page.locator(".baton-result .baton-code code").inner_text()
    assert code == record.code
    assert demo_has_code(code), "the shopper was shown a code Shopify does not hold"
    expect(page.locator(".baton-result")).to_contain_text("Applied to your cart")
    # For the README: each game's dialog with its prize, as a shopper sees it.
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".baton-dialog").screenshot(
        path=ARTIFACTS / f"widget-{game}-won.png", animations="disabled"
    )
    page.goto(demo.storefront("/cart"))
    expect(page.locator("#cart-discounts li[data-applicable='true']")).to_have_text(code)
    # The reminder bar keeps the code in view on later pages.
    expect(page.locator(".baton-bar code")).to_have_text(code)


def test_the_dialog_links_to_official_rules_with_the_odds_in_force(demo, page):
    page.goto(demo.storefront())
    page.locator("#try-wheel").click()
    link = page.get_by_role("link", name="Official rules and odds")
    expect(link).to_be_visible()
    with page.context.expect_page() as opened:
        link.click()
    rules = opened.value
    rules.wait_for_load_state()
    expect(rules.get_by_role("heading", level=1)).to_contain_text("Official rules")
    campaign_id = int(re.search(r"campaign_id=(\d+)", rules.url).group(1))
    db.session.rollback()
    prizes = db.session.scalars(select(Prize).where(Prize.campaign_id == campaign_id)).all()
    total = sum(prize.weight for prize in prizes if prize.weight and not prize.retired)
    rows = rules.locator("tbody tr")
    expect(rows).to_have_count(len(prizes))
    for prize in prizes:
        row = rows.filter(has_text=prize.label)
        expected = f"{round(prize.weight / total * 100, 2):g}%" if prize.weight else "0%"
        expect(row.locator("td.odds")).to_contain_text(expected)


FRENCH_MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
)


def test_a_french_storefront_speaks_french_and_the_merchants_own_text_wins(demo, browser):
    # Shopify's /fr/ storefront: the embed's words from locales/fr.json, dates in French, in
    # the shopper's own time zone. Up to four shoppers, as one play in twenty wins no code.
    for attempt in range(4):
        email = f"fr-{attempt}@example.com"
        with fresh_page(browser, height=900, timezone_id="Europe/Paris") as page:
            page.goto(demo.storefront("?locale=fr&country=FR"))
            expect(page.locator("html")).to_have_attribute("lang", "fr")
            page.locator("#try-giftbox").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_role("heading", name="Pick a gift box")).to_be_visible()
            expect(page.get_by_role("button", name="Fermer")).to_be_visible()
            expect(
                page.get_by_role("link", name="Règlement officiel et probabilités")
            ).to_be_visible()
            expect(page.get_by_role("button", name="Open my box")).to_be_visible()
            page.get_by_role("button", name="Boîte cadeau 2").click()
            page.get_by_label("Adresse e-mail").fill(email)
            page.locator(".baton-form .baton-primary").click()
            expect(page.get_by_text("Veuillez cocher la case pour accepter.")).to_be_visible()
            page.locator("#baton-consent").check()
            page.locator(".baton-form .baton-primary").click()
            shown = page.locator(".baton-result").inner_text(timeout=15000)
            record = stored_play(email)
            if record.code is None:
                continue
            expires = db.session.scalar(
                select(CouponCode.expires_at).where(CouponCode.code == record.code)
            )
            local = expires.astimezone(ZoneInfo("Europe/Paris"))
            month = FRENCH_MONTHS.split()[local.month - 1]
            assert f"À utiliser avant le {local.day} {month} {local.year} à {local:%H:%M}." in shown
            assert "Copier" in shown
            return
    pytest.fail("four French shoppers in a row won no code")


def test_the_loader_waits_for_the_page_and_still_answers_an_early_click(demo, page):
    # The embed starts the loader after the load event; a slow CDN holds it back further.
    def slow_loader(route):
        page.wait_for_timeout(800)
        route.continue_()

    page.route("**/baton-loader.js", slow_loader)
    page.goto(demo.storefront(), wait_until="commit")
    page.wait_for_load_state("load")
    assert page.evaluate("window.Baton") is None
    page.locator("#try-wheel").click()
    expect(page.get_by_role("dialog")).to_have_attribute("data-game", "wheel")
    assert page.evaluate(LOADER_AFTER_LOAD)


LOADER_AFTER_LOAD = """() => {
  const page = performance.getEntriesByType("navigation")[0];
  const loader = performance
    .getEntriesByType("resource")
    .find((entry) => entry.name.includes("baton-loader"));
  return loader.startTime >= page.loadEventStart;
}"""


def test_the_teaser_tab_opens_its_game(demo, page):
    page.goto(demo.storefront("/products/canvas-tote"))
    page.get_by_role("button", name="A gift for you").click()
    expect(page.get_by_role("dialog")).to_have_attribute("data-game", "giftbox")


def test_a_known_subscriber_gets_no_email_capture_game(demo, page):
    db.session.add(
        Customer(
            shop_domain=DEMO_SHOP,
            shopify_id=777001,
            email="subscriber@example.com",
            email_consent_state="subscribed",
        )
    )
    db.session.commit()
    page.goto(demo.storefront("?customer=777001"))
    with page.expect_response(lambda r: "/offer" in r.url) as offer:
        page.locator("#try-wheel").click()
    assert offer.value.json() == {"show": "reminder", "reason": "known_subscriber"}
    page.wait_for_timeout(300)
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_the_keyboard_alone_can_open_play_and_close(demo, page):
    page.goto(demo.storefront())
    page.locator("#try-wheel").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Email address")).to_be_focused()
    # Focus stays inside the dialog however far the shopper tabs.
    for _ in range(8):
        page.keyboard.press("Tab")
        # The widget lives in a shadow root: the page sees its host focused, the root the rest.
        assert page.evaluate(
            "document.activeElement.localName === 'baton-dialog' &&"
            " document.activeElement.shadowRoot.activeElement.closest('.baton-dialog') !== null"
        )
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.locator("#try-wheel")).to_be_focused()

    # A second open, played with the keyboard only.
    page.keyboard.press("Enter")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type("keyboard-player@example.com")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(page.locator("#baton-consent")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".baton-result")).to_be_visible(timeout=15000)
    assert stored_play("keyboard-player@example.com") is not None


def test_bad_emails_get_a_clear_message_next_to_the_field(demo, page):
    page.goto(demo.storefront())
    page.locator("#try-scratch").click()
    email = page.get_by_label("Email address")
    email.fill("someone@mailinator.com")
    page.locator("#baton-consent").check()
    page.locator(".baton-form .baton-primary").click()
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#baton-email-error")).to_contain_text("email address you keep")
    assert stored_play("someone@mailinator.com") is None


def test_consent_is_required_before_any_request(demo, page):
    page.goto(demo.storefront())
    page.locator("#try-wheel").click()
    page.get_by_label("Email address").fill("unsure@example.com")
    page.locator(".baton-form .baton-primary").click()
    expect(page.locator("#baton-consent")).to_have_attribute("aria-invalid", "true")
    assert stored_play("unsure@example.com") is None


TARGETING_CASES = [
    ({}, {}, True),
    ({"include_urls": ["/products"]}, {"path": "/products/linen-shirt"}, True),
    ({"include_urls": ["/products"]}, {"path": "/productsale"}, False),
    ({"include_urls": ["/collections/*/sale"]}, {"path": "/collections/summer/sale"}, True),
    ({"exclude_urls": ["/cart"]}, {"path": "/cart"}, False),
    ({"exclude_urls": ["https://shop.example/cart"]}, {"path": "/cart"}, False),
    ({"devices": ["mobile"]}, {"device": "desktop"}, False),
    ({"devices": ["mobile", "desktop"]}, {"device": "desktop"}, True),
    ({"utm_source": "Newsletter"}, {"src": "newsletter"}, True),
    ({"utm_medium": "cpc"}, {"med": "email"}, False),
    ({"referrer": "instagram.com"}, {"ref": "l.instagram.com"}, True),
    ({"referrer": "instagram.com"}, {"ref": ""}, False),
    ({"countries": ["DE", "FR"]}, {"country": "FR"}, True),
    ({"countries": ["DE", "FR"]}, {"country": "US"}, False),
    ({"visitor": "new"}, {"returning": True}, False),
    ({"visitor": "returning"}, {"returning": True}, True),
    ({"min_cart_value": "50"}, {"cart": 49.99}, False),
    ({"min_cart_value": "50", "max_cart_value": "200"}, {"cart": 120}, True),
    ({"max_cart_value": "200"}, {"cart": 250}, False),
]


def test_targeting_rules_in_the_loader(demo, page):
    page.goto(demo.storefront("/cart"))
    page.wait_for_function("window.Baton")  # the loader starts after the load event
    base = {
        "path": "/",
        "device": "desktop",
        "src": "",
        "med": "",
        "ref": "",
        "country": "US",
        "returning": False,
        "cart": 0,
    }
    for rules, facts, expected in TARGETING_CASES:
        got = page.evaluate("([t, c]) => window.Baton.matches(t, c)", [rules, base | facts])
        assert got is expected, (rules, facts)


def test_a_dry_pool_still_pays_out_a_code_the_worker_made_in_shopify(demo):
    # A live campaign nobody asked codes for: its only prize's pool is empty.
    clean, errors = read_campaign(
        wheel(
            name="Dry pool",
            holdout_percent=0,
            targeting={},
            variants=[],
            prizes=[{"label": "5% off", "kind": "percentage", "value": "5", "weight": 1}],
        )
    )
    assert not errors
    with demo.app.app_context():
        campaign_id = save_campaign(DEMO_SHOP, clean).id
        db.session.commit()
    proxy = f"{demo.url}/demo/apps/baton"
    visitor = "dry-pool-visitor-0001"
    with requests.Session() as shopper:
        offer = shopper.get(
            f"{proxy}/offer", params={"campaign_id": campaign_id, "visitor_id": visitor}
        ).json()
        assert offer["show"] == "game"
        answer = shopper.post(
            f"{proxy}/play",
            json={
                "campaign_id": campaign_id,
                "play_token": offer["play_token"],
                "visitor_id": visitor,
                "email": "dry-pool@example.com",
                "consent": True,
            },
            timeout=30,
        )
    assert answer.status_code == 200, answer.text
    code = answer.json()["code"]
    assert code and demo_has_code(code)
    db.session.rollback()
    prize = db.session.scalar(select(Prize).where(Prize.campaign_id == campaign_id))
    lot = db.session.scalar(select(PrizeDiscount).where(PrizeDiscount.prize_id == prize.id))
    assert lot.shopify_id is not None
    assert stored_play("dry-pool@example.com").code == code


def test_the_demo_proxy_drops_a_shoppers_own_signature_fields(demo):
    # Whatever the browser sends as shop or customer id, the proxy signs its own values.
    answer = requests.get(
        f"{demo.url}/demo/apps/baton/session",
        params={"shop": "evil.myshopify.com", "logged_in_customer_id": "1", "signature": "x"},
    )
    assert answer.status_code == 200
    assert answer.json() == {
        "shop": DEMO_SHOP,
        "active": True,
        "logged_in_customer_id": None,
    }


def test_the_wheel_opens_on_its_own_after_its_delay(demo, page):
    page.goto(demo.storefront("/products/wool-beanie"))
    expect(page.get_by_role("dialog")).to_have_count(0)
    # The demo wheel's delay trigger is 8 seconds.
    expect(page.get_by_role("dialog")).to_have_attribute("data-game", "wheel", timeout=12000)


def test_the_scratch_card_offers_the_optional_sms_field(demo, page):
    page.goto(demo.storefront())
    page.locator("#try-scratch").click()
    page.get_by_label("Email address").fill("sms-player@example.com")
    page.get_by_label("Mobile number (optional)").fill("+44 7700 900456")
    page.locator("#baton-sms").check()
    page.locator("#baton-consent").check()
    page.locator(".baton-form .baton-primary").click()
    page.get_by_role("button", name="Reveal now").click()
    expect(page.locator(".baton-result")).to_be_visible(timeout=15000)
    record = stored_play("sms-player@example.com")
    assert (record.phone, record.sms_consented) == ("+447700900456", True)


def test_the_signed_in_demo_member_sees_and_redeems_points(demo, page):
    # Paula (seeded, app/demo/loyalty_seed.py): two orders, 240 points, a reward at 200.
    page.goto(demo.storefront("?customer=790001"))
    panel = page.locator("[data-baton-points]")
    expect(panel).to_contain_text("240 points")
    expect(panel).to_contain_text("Tier: Silver")
    assert "/apps/baton/loyalty/r/" in panel.locator("input").input_value()
    page.get_by_role("button", name=re.compile("Redeem 200 points")).click()
    code = panel.locator("code")
    expect(code).to_have_text(re.compile(r"^POINTS-[A-Z0-9]{8}$"), timeout=20_000)
    expect(panel).to_contain_text("40 points")
    assert demo_has_code(code.inner_text(), "gid://shopify/Customer/790001")
    assert not demo_has_code(code.inner_text())  # only Paula's checkout takes it
    # A guest's page renders no panel and asks Baton nothing about points.
    page.goto(demo.storefront("?customer="))
    expect(page.locator("[data-baton-points]")).to_have_count(0)


def test_a_friend_arriving_by_a_referral_link_gets_a_welcome_code_once(demo, page):
    paula = db.session.scalar(select(Customer.id).where(Customer.shopify_id == 790001))
    code = db.session.scalar(
        select(LoyaltyMember.referral_code).where(LoyaltyMember.customer_id == paula)
    )
    # The link (/apps/baton/loyalty/r/<code>) sends the friend to the shop with ?baton_ref.
    page.goto(demo.storefront(f"?baton_ref={code}"))
    card = page.get_by_role("dialog", name="A welcome gift from a friend")
    expect(card).to_be_visible()
    card.get_by_label("Email address").fill("friend@example.com")
    card.get_by_role("button", name="Get my code").click()
    welcome = card.locator("code")
    expect(welcome).to_have_text(re.compile(r"^GIFT-[A-Z0-9]{8}$"), timeout=20_000)
    assert demo_has_code(welcome.inner_text())  # anyone's checkout: the friend has no account
    page.goto(demo.storefront())
    page.wait_for_timeout(500)
    expect(page.get_by_role("dialog", name="A welcome gift from a friend")).to_have_count(0)
