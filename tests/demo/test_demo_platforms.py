"""The demo's whole loop, email platforms included, in real headless Chromium: a newcomer
connects the demo's Klaviyo and Mailchimp stand-ins with the demo keys, plays on the demo
storefront, and sees the lead, its code and its consent arrive on both.

The stand-ins are app/demo/vendors.py, the process `make run` starts beside web and worker in
demo mode: the same spec-validated fakes the sync tests use, served from one WSGI app.
"""

import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app import create_app
from app.config import ROOT
from app.demo import DEMO_KLAVIYO_KEY, DEMO_MAILCHIMP_KEY
from app.demo.vendor_http import QuietHandler
from app.demo.vendors import MAILCHIMP_LISTS, DemoVendors
from tests.conftest import make_settings
from tests.factories import DEMO, NO_STORE
from tests.live_demo import (  # noqa: F401 - app_context, browser and page are fixtures
    app_context,
    browser,
    fresh_page,
    page,
    seeded_demo,
    serious_axe_violations,
    wait_for,
)

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def vendors():
    stand_ins = DemoVendors()
    server = make_server(
        "127.0.0.1", 0, stand_ins.wsgi, threaded=True, request_handler=QuietHandler
    )
    stand_ins.serve_at(f"http://127.0.0.1:{server.server_port}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stand_ins
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def demo(redis_server, vendors):
    environment = {
        "KLAVIYO_BASE_URL": vendors.klaviyo_url,
        "MAILCHIMP_BASE_URL": vendors.mailchimp_url,
    }
    with seeded_demo(redis_server.url, environment) as live:
        yield live


def connect(page, platform: str, list_name: str) -> None:
    section = page.locator(f"#{platform}")
    section.get_by_role("button", name="Use the demo key").click()
    expect(section.get_by_role("combobox")).to_contain_text(list_name)
    section.get_by_role("combobox").select_option(label=list_name)
    section.get_by_role("button", name="Check and save").click()
    expect(section.locator("[data-state]")).to_have_text("Connected", timeout=15000)


def play_until_a_code(demo, browser) -> tuple[str, str]:
    """New shoppers play the gift box until one wins a code; (email, code)."""
    for attempt in range(8):
        email = f"loop-{attempt}@example.com"
        with fresh_page(browser) as shopper:
            shopper.goto(demo.storefront())
            shopper.locator("#try-giftbox").click()
            shopper.get_by_role("button", name="Gift box 1").click()
            shopper.get_by_label("Email address").fill(email)
            shopper.locator("#baton-consent").check()
            shopper.locator(".baton-form .baton-primary").click()
            result = shopper.locator(".baton-result")
            expect(result).to_be_visible(timeout=15000)
            code = result.locator(".baton-code code")
            if code.count():
                return email, code.inner_text()
    raise AssertionError("eight plays won no code")


def test_the_demo_connects_both_platforms_and_a_play_arrives_on_each(demo, vendors, browser, page):
    page.goto(f"{demo.url}/demo/admin/connections")
    expect(page.locator("#klaviyo [data-demo-hint]")).to_contain_text(DEMO_KLAVIYO_KEY)
    expect(page.locator("#mailchimp [data-demo-hint]")).to_contain_text(DEMO_MAILCHIMP_KEY)
    connect(page, "klaviyo", "Demo newsletter")
    connect(page, "mailchimp", "Demo audience")

    email, code = play_until_a_code(demo, browser)

    # The worker syncs the lead out: the same code and the consent, on both platforms.
    (audience,) = MAILCHIMP_LISTS
    assert wait_for(
        lambda: (
            (profile := vendors.klaviyo.profile(email)) is not None
            and profile.properties.get("baton_code") == code
            and profile.can_receive_email
            and (member := vendors.mailchimp.member(audience, email)) is not None
            and member.status == "subscribed"
            and code in member.merge_fields.values()
        ),
        seconds=60,
    ), demo.worker_log()
    assert [event.properties["code"] for event in vendors.klaviyo.events_for(email)] == [code]

    page.goto(f"{demo.url}/demo/admin/holdings?email={email}")
    expect(page.locator("#baton-holds")).to_contain_text(code)
    for platform in ("klaviyo", "mailchimp"):
        section = page.locator(f"#holds-{platform}")
        expect(section.locator("[data-consent]")).to_have_text("subscribed")
        place = section.locator(f'[data-code="{code}"]')
        expect(place).to_have_attribute("data-found", "yes")
        expect(place).to_contain_text("the same code")
    expect(page.locator("#holds-klaviyo")).to_contain_text("Baton Popup Won")
    assert serious_axe_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-holdings.png"), full_page=True)


def test_an_email_no_one_holds_reads_as_such(demo, page):
    page.goto(f"{demo.url}/demo/admin/holdings?email=nobody@example.com")
    expect(page.locator("#baton-holds")).to_contain_text("Baton has no customer")
    expect(page.locator("#holds-klaviyo")).to_contain_text("Klaviyo holds no profile")
    expect(page.locator("#holds-mailchimp")).to_contain_text("Mailchimp holds no member")


def test_a_stand_in_that_is_down_or_missing_is_said_plainly(demo_database, redis_server):
    settings = make_settings(
        demo_database,
        redis_server.url,
        **NO_STORE,
        **DEMO,
        KLAVIYO_BASE_URL="http://127.0.0.1:9/demo/klaviyo",  # nothing listens on port 9
    )
    app = create_app(settings)
    with app.app_context():
        answer = app.test_client().get("/demo/admin/holdings?email=ana@example.com")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Klaviyo did not answer" in page
    assert "Mailchimp is not configured" in page
    assert "127.0.0.1:9" not in page  # the address stays in the log
