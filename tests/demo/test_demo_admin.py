"""The admin pages in real headless Chromium, on the demo (the way a newcomer first meets them):
the dashboard's charts, the editor and its live preview, the connections page's errors, and a
storefront play that shows up in the dashboard and the customer's timeline.

Screenshots go to test-artifacts/ for a human to look at; nothing is asserted on pixels.
"""

import json
import math
import re
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from app.config import ROOT
from app.demo.klaviyo_fake import KlaviyoFake
from app.demo.shopify_admin import STATE_KEY
from app.extensions import redis_queues
from tests.live_demo import (  # noqa: F401 - app_context, browser and page are fixtures
    app_context,
    browser,
    fresh_page,
    page,
    seeded_demo,
    serious_axe_violations,
    wait_for,
)

ARTIFACTS = Path(ROOT) / "test-artifacts"


@pytest.fixture(scope="module")
def klaviyo():
    with KlaviyoFake(api_keys=("pk_demo_good",)) as fake:
        yield fake


@pytest.fixture(scope="module")
def demo(redis_server, klaviyo):
    with seeded_demo(redis_server.url, {"KLAVIYO_BASE_URL": klaviyo.url}) as live:
        yield live


def admin(demo, path: str = "") -> str:
    return f"{demo.url}/demo/admin{path}"


def api(demo, path: str, **kwargs):
    token = requests.get(admin(demo, "/session-token"), timeout=10).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    return requests.request(kwargs.pop("method", "GET"), demo.url + path, headers=headers, **kwargs)


def test_the_dashboard_draws_its_charts_from_the_seeded_month(demo, page):
    page.goto(admin(demo, "/analytics"))
    expect(page.locator("#series-chart svg polyline")).to_have_count(4)
    expect(page.locator("#funnel-chart svg rect")).to_have_count(6)
    rows = page.locator("#funnel-table tbody tr")
    expect(rows).to_have_count(4)  # three campaigns and the total
    expect(page.locator("#kpis")).to_contain_text("Lead to purchase")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-analytics.png"), full_page=True)
    # The figures on the page are the API's, and the seeded month has thousands of plays.
    total = api(demo, "/admin/api/analytics?days=30").json()["totals"]
    assert total["plays"] > 1000
    expect(rows.last).to_contain_text(f"{total['plays']:,}")
    # Money in the shop's currency (the seeded orders are in euros), figures right-aligned.
    assert api(demo, "/admin/api/analytics?days=30").json()["currency"] == "EUR"
    revenue = rows.last.locator("td").nth(7)
    expect(revenue).to_contain_text("€")
    expect(revenue).to_have_css("text-align", "right")
    expect(rows.last.locator("td").first).to_have_css("text-align", "left")
    # Stored values read as words: "giftbox" is a gift box.
    page.locator("#range select[name=by]").select_option("game")
    expect(page.locator("#funnel-table")).to_contain_text("Gift box")
    expect(page.locator("#funnel-table")).not_to_contain_text("giftbox")


def test_the_daily_chart_reads_in_the_browser_legend_in_plot_today_marked_round_axis(demo, page):
    page.goto(admin(demo, "/analytics"))
    chart = page.locator("#series-chart svg")
    expect(chart.locator("polyline")).to_have_count(4)
    box = chart.bounding_box()
    # The legend is drawn inside the chart as Chromium lays it out, not clipped above it.
    legend = chart.locator(".legend-box rect").bounding_box()
    assert box["y"] <= legend["y"] and legend["y"] + legend["height"] <= box["y"] + box["height"]
    for item in chart.locator(".legend").all():
        expect(item).to_be_visible()
    # Today's partial day is shaded and says so, rather than dropping the lines to zero.
    expect(chart.locator("rect.partial")).to_be_visible()
    expect(chart.locator("text.tick", has_text="today, so far")).to_be_visible()
    # The y-axis reads in round steps from 0, with more than 0 and the maximum.
    ticks = [text.replace(",", "") for text in chart.locator("text.tick").all_text_contents()]
    values = [int(text) for text in ticks if text.isdigit()]
    assert len(values) >= 3 and values[0] == 0, ticks
    assert len({b - a for a, b in zip(values, values[1:], strict=False)}) == 1, values


def test_an_export_the_api_refuses_says_why_in_its_words(demo, page):
    page.goto(admin(demo, "/analytics"))
    page.wait_for_function("window.BatonAdmin")
    page.evaluate("BatonAdmin.download('/admin/api/exports/funnel.csv?days=0', 'funnel.csv')")
    refusal = api(demo, "/admin/api/exports/funnel.csv?days=0").json()["error"]["message"]
    expect(page.locator("#page-error")).to_have_text(refusal)
    expect(page.locator("#page-error")).not_to_contain_text("HTTP")


def test_the_seeded_history_is_plausible_leads_repeat_like_real_pop_up_leads(demo):
    # Published e-commerce benchmarks put email-captured customers' repeat purchase rate at or
    # above other customers'; a demo showing leads far below would mislead every newcomer.
    kpis = api(demo, "/admin/api/analytics?days=30").json()["kpis"]
    leads, others = (
        kpis["leads_against_others"]["popup_leads"],
        kpis["leads_against_others"]["other_customers"],
    )
    assert leads["repeat_purchase_rate"] >= others["repeat_purchase_rate"] > 0.1, (leads, others)
    assert leads["buyers"] >= 100 and others["buyers"] >= 100


def test_the_home_checklist_and_month(demo, page):
    page.goto(admin(demo))
    expect(page.locator("[data-step=embed]")).to_have_class(re.compile("done"))
    expect(page.locator("[data-step=campaign]")).to_have_class(re.compile("done"))
    expect(page.locator("[data-step=platform]")).to_have_class(re.compile("todo"))
    expect(page.locator("#home-funnel svg")).to_be_visible()
    # Money in the shop's currency here too (the seeded orders are in euros).
    expect(page.locator("#month")).to_contain_text("Attributed revenue€")
    # The store's history is one click away, with a progress bar and what it brought in.
    history = page.locator("[data-step=history]")
    history.get_by_role("button", name="Import history").click()
    expect(history.locator("progress")).to_be_attached()
    # Seconds alone; a minute or more on a loaded 2-core machine (the worker polls Shopify's
    # bulk queries, downloads and applies each record), so the wait is generous.
    expect(history).to_contain_text("customers and orders", timeout=120_000)
    expect(history).to_have_class(re.compile("done"), timeout=120_000)
    run = api(demo, "/admin/api/backfill").json()["run"]
    assert run["status"] == "completed"
    expect(history).to_contain_text(f"Imported {run['objects_done']:,} customers and orders")
    # The demo's Shopify holds customers and orders from before the install: they arrive.
    assert run["objects_done"] > 0
    earlier = api(demo, "/admin/api/customers?q=earlier").json()["customers"]
    assert earlier and all(person["orders_count"] >= 1 for person in earlier)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-home.png"), full_page=True)


def test_the_editor_saves_a_campaign_and_the_preview_follows_the_form(demo, page):
    wheel = next(
        c for c in api(demo, "/admin/api/campaigns").json()["campaigns"] if c["game"] == "wheel"
    )
    page.goto(admin(demo, f"/campaigns/{wheel['id']}"))
    preview = page.frame_locator("#preview")
    expect(preview.locator("#baton-title")).to_have_text(wheel["content"]["headline"])
    headline = page.get_by_role("group", name="Content").get_by_label("Headline")
    headline.fill("Spin for a spring gift")
    expect(preview.locator("#baton-title")).to_have_text("Spin for a spring gift")
    expect(headline).to_be_focused()  # the preview redraws without taking the merchant's focus
    page.locator("#f-content-button_text").fill("Spin it")
    expect(preview.locator(".baton-form .baton-primary")).to_have_text("Spin it")
    # The phone preview is a phone's width, where the dialog becomes a bottom sheet.
    page.get_by_role("button", name="Phone").click()
    expect(page.get_by_role("button", name="Phone")).to_have_attribute("aria-pressed", "true")
    assert page.locator("#preview").bounding_box()["width"] == 390
    expect(preview.locator("#baton-title")).to_have_text("Spin for a spring gift")
    page.get_by_role("button", name="Desktop").click()
    assert page.locator("#preview").bounding_box()["width"] > 390
    page.get_by_role("button", name="Save campaign").click()
    # Outside Shopify the confirmation is the page's own toast, read out politely, then gone.
    toast = page.locator("#toast-region .toast")
    expect(toast).to_contain_text("Campaign saved")
    expect(page.locator("#toast-region")).to_have_attribute("role", "status")
    expect(page.locator("#form-message")).to_be_hidden()
    saved = api(demo, f"/admin/api/campaigns/{wheel['id']}").json()
    assert saved["content"]["headline"] == "Spin for a spring gift"
    expect(toast).to_have_count(0, timeout=8000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-editor.png"), full_page=True)


def test_the_editor_shows_each_error_next_to_its_field(demo, page):
    wheel = next(
        c for c in api(demo, "/admin/api/campaigns").json()["campaigns"] if c["game"] == "wheel"
    )
    page.goto(admin(demo, f"/campaigns/{wheel['id']}"))
    expect(page.get_by_label("Name", exact=True)).to_have_value(wheel["name"])
    page.get_by_label("Name", exact=True).fill("")
    page.locator("#f-prizes-0-weight").fill("-3")
    expect(page.locator("#dirty-state")).to_have_text("Unsaved changes")
    page.get_by_role("button", name="Save campaign").click()
    expect(page.locator("#form-message")).to_contain_text("2 fields need attention")
    # The answer shows where the merchant is (the save bar stays in view), with links.
    expect(page.locator("#form-message")).to_be_in_viewport()
    page.locator("#form-message").get_by_role("link", name="Name: is required").click()
    expect(page.get_by_label("Name", exact=True)).to_be_focused()
    expect(page.get_by_label("Name", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#error-name")).to_have_text("is required")
    expect(page.locator("#f-prizes-0-weight")).to_have_attribute("aria-invalid", "true")
    assert api(demo, f"/admin/api/campaigns/{wheel['id']}").json()["name"] == wheel["name"]
    # The weight's message sits inside the weight's field, under it: the row keeps its shape.
    weight_field = page.locator("#f-prizes-0-weight").locator("xpath=..")
    expect(weight_field.locator(".field-error")).to_have_count(1)
    cap_box = page.locator("#f-prizes-0-cap").bounding_box()
    weight_box = page.locator("#f-prizes-0-weight").bounding_box()
    assert abs(cap_box["y"] - weight_box["y"]) < 2, (cap_box, weight_box)
    # Discard brings back the saved campaign; Delete is nowhere near Save.
    page.get_by_role("button", name="Discard").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value(wheel["name"])
    expect(page.locator("#dirty-state")).to_have_text("No unsaved changes")
    expect(page.locator("#toast-region")).to_contain_text("Changes discarded")
    save = page.get_by_role("button", name="Save campaign").bounding_box()
    delete = page.get_by_role("button", name="Delete campaign…").bounding_box()
    assert abs(delete["y"] - save["y"]) > 100, (save, delete)


def test_the_editor_shows_odds_and_only_the_fields_a_prize_uses(demo, page):
    wheel = next(
        c for c in api(demo, "/admin/api/campaigns").json()["campaigns"] if c["game"] == "wheel"
    )
    page.goto(admin(demo, f"/campaigns/{wheel['id']}"))
    weights = [prize["weight"] for prize in wheel["prizes"]]
    rows = page.locator("#prizes [data-row]")
    expect(rows).to_have_count(len(weights))
    for n, weight in enumerate(weights):
        share = round(weight / sum(weights) * 1000) / 10
        expect(rows.nth(n).locator("[data-odds]")).to_have_text(f"Odds {share:g}%")
    winning = sum(p["weight"] for p in wheel["prizes"] if p["kind"] != "none") / sum(weights)
    expect(page.locator("#prize-summary")).to_contain_text(
        f"About {round(winning * 100)} of every 100 plays win a code"
    )
    # What 100 plays give away, from the API's prizes and the shop's currency.
    currency = api(demo, "/admin/api/analytics?days=1").json()["currency"]
    assert currency == "EUR"
    cost = page.locator("#prize-cost")
    expect(cost).to_have_text(given_away(page, wheel["prizes"], currency))
    # It follows the form as it changes: a bigger fixed amount, a heavier first prize.
    fixed = next(n for n, p in enumerate(wheel["prizes"]) if p["kind"] == "fixed_amount")
    rows.nth(fixed).locator("[data-key=value]").fill("20")
    rows.first.locator("[data-key=weight]").fill("100")
    changed = [dict(p) for p in wheel["prizes"]]
    changed[fixed]["value"] = "20"
    changed[0]["weight"] = 100
    expect(cost).to_have_text(given_away(page, changed, currency))
    # A no-prize slice has no value, cap, minimum or expiry to fill in; free shipping no value.
    first = rows.first
    first.locator("[data-key=kind]").select_option("none")
    for key in ("value", "cap", "min_subtotal", "code_expiry_days"):
        expect(first.locator(f"[data-key={key}]")).to_be_hidden()
    first.locator("[data-key=kind]").select_option("free_shipping")
    expect(first.locator("[data-key=value]")).to_be_hidden()
    expect(first.locator("[data-key=cap]")).to_be_visible()
    first.locator("[data-key=weight]").fill("0")
    expect(rows.first.locator("[data-odds]")).to_have_text("Odds 0%")


def given_away(page, prizes: list[dict], currency: str | None) -> str:
    """The editor's line on what 100 plays give away, computed here from the prizes."""
    total = sum(max(p["weight"] or 0, 0) for p in prizes)
    groups: dict[tuple, float] = {}
    for prize in prizes:
        if prize["kind"] == "none" or not prize["weight"]:
            continue
        value = None if prize["kind"] == "free_shipping" else float(prize["value"])
        key = (prize["kind"], value)
        groups[key] = groups.get(key, 0) + prize["weight"] / total * 100

    def money(amount: float) -> str:  # the browser's own number formatting, as the page's
        options = {"minimumFractionDigits": 2, "maximumFractionDigits": 2}
        if currency:
            options |= {"style": "currency", "currency": currency}
        return page.evaluate("([a, o]) => a.toLocaleString(undefined, o)", [amount, options])

    def what(kind: str, value: float | None) -> str:
        if kind == "free_shipping":
            return "free shipping"
        return f"{value:g}% off" if kind == "percentage" else f"{money(value)} off"

    def half_up(n: float) -> int:  # JavaScript's Math.round, not Python's banker's round
        return math.floor(n + 0.5)

    items = [f"{half_up(n)} for {what(*key)}" for key, n in groups.items()]
    items[0] = items[0].replace(" for ", " codes for ", 1)
    listed = " and ".join([", ".join(items[:-1]), items[-1]] if len(items) > 1 else items)
    fixed = sum(n * key[1] for key, n in groups.items() if key[0] == "fixed_amount")
    return f"Per 100 plays, expect about {listed} ({money(fixed)} in fixed-amount discounts)."


def test_the_demo_draws_its_own_navigation_save_bar_and_polaris_tokens(demo, page):
    page.goto(admin(demo, "/campaigns/new"))
    # No App Bridge outside Shopify: the page's own navigation, heading and save bar.
    expect(page.get_by_role("navigation", name="Baton")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("New campaign")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for element in ("ui-nav-menu", "ui-title-bar", "ui-save-bar"):
        expect(page.locator(element)).to_have_count(0)
    bar = page.get_by_role("region", name="Save")
    expect(bar).to_be_visible()
    expect(bar).to_have_css("position", "sticky")
    expect(bar.get_by_role("button", name="Save campaign")).to_be_visible()
    # The Polaris tokens are linked before admin.css, and the page is drawn with them.
    sheets = page.evaluate("[...document.styleSheets].map(s => new URL(s.href).pathname)")
    assert sheets == ["/static/polaris-tokens.css", "/static/admin.css"], sheets
    built = (Path(ROOT) / "static" / "polaris-tokens.css").read_text()
    tokens = dict(re.findall(r"(--p-[a-z0-9-]+): ([^;]+);", built))
    assert tokens["--p-color-text-link"] == "rgba(0, 91, 211, 1)"  # #005bd3, as before
    assert len(tokens) > 40
    resolved = page.evaluate(
        "names => names.map(n => getComputedStyle(document.documentElement).getPropertyValue(n))",
        list(tokens),
    )
    assert [value.strip() for value in resolved] == list(tokens.values())
    link = page.get_by_role("link", name="Open the demo storefront")
    expect(link).to_have_css("color", "rgb(0, 91, 211)")
    expect(link).to_have_css("text-decoration-line", "underline")
    # Type, colour and radius are the tokens' values: 13 px, the admin's grey, 12 px corners.
    assert tokens["--p-font-size-325"] == "0.8125rem" and tokens["--p-color-bg"].startswith(
        "rgba(241"
    )
    body = page.locator("body")
    expect(body).to_have_css("font-size", "13px")
    expect(body).to_have_css("background-color", "rgb(241, 241, 241)")
    expect(page.locator(".card").first).to_have_css("border-radius", "12px")  # radius-300


def test_sync_health_with_nothing_connected_says_so_instead_of_all_delivered(demo, page):
    assert api(demo, "/admin/api/connections").json()["connections"] == []
    page.goto(admin(demo, "/sync"))
    backlog = page.locator("#backlog")
    expect(backlog).to_contain_text("No email platform is connected yet")
    expect(backlog).not_to_contain_text("every change has reached its platform")
    backlog.get_by_role("link", name="Connect Klaviyo or Mailchimp").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email platforms")


def test_the_connections_page_shows_a_bad_keys_error_and_connects_a_good_one(demo, page):
    page.goto(admin(demo, "/connections"))
    klaviyo = page.locator("#klaviyo")
    klaviyo.get_by_label("Private API key").fill("pk_wrong")
    klaviyo.get_by_role("button", name="Load lists").click()
    expect(klaviyo.locator("[data-error]")).to_contain_text("Klaviyo did not accept this key")
    expect(klaviyo.get_by_label("Private API key")).to_have_attribute("aria-invalid", "true")
    klaviyo.get_by_label("Private API key").fill("pk_demo_good")
    klaviyo.get_by_role("button", name="Load lists").click()
    expect(klaviyo.get_by_label("List")).to_contain_text("Newsletter")
    klaviyo.get_by_role("button", name="Check and save").click()
    expect(klaviyo.locator("[data-state]")).to_have_text("Connected")
    expect(klaviyo.locator("[data-error]")).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-connections.png"), full_page=True)


def test_a_storefront_play_reaches_the_dashboard_and_the_timeline(demo, page):
    before = api(demo, "/admin/api/analytics?days=1").json()["totals"]
    page.goto(demo.storefront())
    page.locator("#try-wheel").click()
    page.get_by_label("Email address").fill("newcomer@example.com")
    page.locator("#baton-consent").check()
    page.locator(".baton-form .baton-primary").click()
    shown = page.locator(".baton-result").inner_text(timeout=15000)
    after = api(demo, "/admin/api/analytics?days=1").json()["totals"]
    assert after["plays"] == before["plays"] + 1
    page.goto(admin(demo, "/customers?q=newcomer@example.com"))
    # Leaving the storefront sent the widget's batched impression and open as a beacon.
    assert wait_for(
        lambda: (
            api(demo, "/admin/api/analytics?days=1").json()["totals"]["opens"]
            == before["opens"] + 1
        ),
        seconds=5,
    )
    assert api(demo, "/admin/api/analytics?days=1").json()["totals"]["impressions"] == (
        before["impressions"] + 1
    )
    expect(page.locator("#story")).to_be_visible()
    play_item = page.locator("#story-timeline li[data-kind=play]")
    expect(play_item).to_contain_text("Spin to win")
    code = re.search(r"[A-Z]+-[A-Z0-9-]+", shown)
    if code:  # a "Next time" slice wins no code
        expect(play_item).to_contain_text(code.group(0))
    facts = page.locator("#story-facts")
    expect(facts).to_contain_text("Email consentgiven in a pop-up")
    expect(page.locator("#story")).not_to_contain_text("popup")
    if code:  # support searches by the code the shopper quotes
        page.get_by_role("searchbox").fill(code.group(0).lower())
        page.get_by_role("button", name="Search").click()
        journey = page.locator("#journey")
        expect(journey).to_contain_text(f"Code {code.group(0)} · valid")
        expect(journey).to_contain_text("Spin to win")
        expect(page.locator("#story-title")).to_contain_text("newcomer@example.com")
    # A new search clears the last person's story instead of leaving it under the results.
    page.get_by_role("searchbox").fill("nobody-here@example.com")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_contain_text("Nobody and no code matches")
    expect(page.locator("#story")).to_be_hidden()
    expect(page.locator("#journey")).to_be_hidden()


def test_without_app_bridge_an_embedded_page_says_where_to_open_it(demo, browser):
    context = browser.new_context()
    context.route("https://cdn.shopify.com/**", lambda route: route.abort())
    page = context.new_page()
    token = requests.get(admin(demo, "/session-token"), timeout=10).json()["token"]
    page.goto(f"{demo.url}/app/analytics?shop=baton-demo.myshopify.com&id_token={token}")
    expect(page.locator("h1")).to_have_text("Analytics")
    expect(page.locator("#page-error")).to_contain_text("Open Baton from your Shopify admin")
    context.close()


# Stands in for https://cdn.shopify.com/shopifycloud/app-bridge.js with the calls Shopify
# documents (shopify.dev/docs/api/app-home): shopify.idToken() resolves to a session token,
# shopify.saveBar.show(id) and hide(id) return promises, shopify.toast.show(message, {isError,
# duration}) returns the toast's id. It records each call for the test to read.
APP_BRIDGE_STUB = """
window.bridgeCalls = [];
window.shopify = {
  idToken: function () { return Promise.resolve(%s); },
  saveBar: {
    show: function (id) { bridgeCalls.push(["saveBar.show", id]); return Promise.resolve(); },
    hide: function (id) { bridgeCalls.push(["saveBar.hide", id]); return Promise.resolve(); }
  },
  toast: {
    show: function (message, opts) { bridgeCalls.push(["toast.show", message, opts]); return "t"; }
  }
};
"""


def test_inside_shopify_the_editor_uses_app_bridges_save_bar_title_bar_and_toasts(demo, browser):
    wheel = next(
        c for c in api(demo, "/admin/api/campaigns").json()["campaigns"] if c["game"] == "wheel"
    )
    token = requests.get(admin(demo, "/session-token"), timeout=10).json()["token"]
    with fresh_page(browser, height=900) as page:
        page.route(
            "https://cdn.shopify.com/**",
            lambda route: route.fulfill(
                content_type="text/javascript", body=APP_BRIDGE_STUB % json.dumps(token)
            ),
        )
        page.goto(
            f"{demo.url}/app/campaigns/{wheel['id']}?shop=baton-demo.myshopify.com&id_token={token}"
        )
        expect(page.get_by_label("Name", exact=True)).to_have_value(wheel["name"])
        # The admin's navigation and title bar replace the page's; the h1 stays, unseen.
        expect(page.locator(".app-nav")).to_have_count(0)
        expect(page.locator("ui-title-bar")).to_have_attribute("title", "Edit campaign")
        heading = page.get_by_role("heading", level=1, name="Edit campaign")
        assert heading.bounding_box()["width"] <= 1
        # The admin's save bar, not the page's, appears once the form changes.
        expect(page.get_by_role("region", name="Save")).to_be_hidden()

        def calls():
            return page.evaluate("window.bridgeCalls")

        assert calls() == []
        page.get_by_label("Name", exact=True).fill("Spin")
        page.get_by_label("Name", exact=True).fill(wheel["name"])
        assert calls() == [["saveBar.show", "campaign-save-bar"]]
        page.locator("#app-save").dispatch_event("click")
        assert wait_for(lambda: len(calls()) == 3, seconds=10), calls()
        assert calls()[1:] == [
            ["saveBar.hide", "campaign-save-bar"],
            [
                "toast.show",
                "Campaign saved. It reaches the storefront within a minute.",
                {"isError": False, "duration": 5000},
            ],
        ]
        expect(page.locator("#toast-region")).to_be_empty()
        # An answer that needs reading stays in the page, with its links; Discard clears it.
        page.get_by_label("Name", exact=True).fill("")
        page.locator("#app-save").dispatch_event("click")
        expect(page.locator("#form-message")).to_contain_text("Name: is required")
        expect(page.get_by_role("region", name="Save")).to_be_visible()
        expect(page.locator("#save")).to_be_hidden()
        page.locator("#app-discard").dispatch_event("click")
        expect(page.get_by_label("Name", exact=True)).to_have_value(wheel["name"])
        expect(page.get_by_role("region", name="Save")).to_be_hidden()
        assert calls()[-2:] == [
            ["saveBar.hide", "campaign-save-bar"],
            ["toast.show", "Changes discarded", {"isError": False, "duration": 5000}],
        ]


def test_a_cart_appears_on_the_live_page_without_a_reload(demo, browser):
    with fresh_page(browser, height=900) as staff, fresh_page(browser) as shopper:
        staff.goto(admin(demo, "/carts"))
        expect(staff.locator("#live-status")).to_contain_text("active")
        staff.evaluate("window.notReloaded = true")
        shopper.goto(demo.storefront("/products/wool-beanie"))
        shopper.get_by_role("button", name=re.compile("Add to cart", re.I)).click()
        token = shopper.evaluate(
            "fetch('/demo/storefront/cart.js').then(r => r.json()).then(c => c.token)"
        )
        # Shopify's carts/create reaches intake, the worker stores it, the next poll shows it.
        expect(staff.locator(f"[data-cart='{token}']")).to_be_visible(timeout=20000)
        assert staff.evaluate("window.notReloaded") is True
        # The cart's value in its own currency, as the shopper pays it.
        currency = api(demo, f"/admin/api/carts/{token}").json()["cart"]["currency"]
        symbol = {"EUR": "€", "USD": "$", "GBP": "£"}[currency]
        row = staff.locator("tr", has=staff.locator(f"[data-cart='{token}']"))
        expect(row).to_contain_text(symbol)
        # With no cart open, the list has the page's width: no empty column squeezes it.
        widths = staff.evaluate(
            "[document.querySelector('#live-carts').closest('.card').offsetWidth,"
            " document.querySelector('.carts-layout').offsetWidth]"
        )
        assert widths[0] == widths[1], widths
        ARTIFACTS.mkdir(exist_ok=True)
        staff.screenshot(path=str(ARTIFACTS / "demo-carts.png"), full_page=True)


def test_staff_finish_a_sale_with_the_shoppers_code_and_it_counts_as_assisted(demo, page):

    page.goto(admin(demo, "/carts"))
    expect(page.locator("#live-status")).to_contain_text("active")
    row = page.locator("tr", has=page.locator("td", has_text="(valid)")).first
    token = row.locator("[data-cart]").get_attribute("data-cart")
    code = re.search(r"([A-Z]+-[A-Z0-9]+) \(valid\)", row.inner_text()).group(1)
    row.locator("[data-cart]").click()
    expect(page.locator("#use-code")).to_be_checked()
    page.get_by_role("button", name="Create draft order").click()
    expect(page.locator("#draft-message")).to_contain_text("Draft order created")
    expect(page.get_by_role("button", name="Send invoice")).to_be_visible()
    state = json.loads(redis_queues.connection.get(STATE_KEY))
    [(draft_id, draft)] = [
        (key, value)
        for key, value in state["draft_orders"].items()
        if value["discountCodes"] == [code]
    ]
    cart = api(demo, f"/admin/api/carts/{token}").json()["cart"]
    assert draft["lineItems"] == [
        {
            "variantId": f"gid://shopify/ProductVariant/{line['variant_id']}",
            "quantity": line["quantity"],
        }
        for line in cart["lines"]
    ]
    # The shopper pays the invoice; the demo plays Shopify's checkout and its two webhooks.
    invoice_url = cart["draft"]["invoice_url"]
    assert invoice_url.startswith("/demo/storefront/")
    page.goto(demo.url + invoice_url)
    expect(page.locator("body")).to_contain_text(code)
    page.get_by_role("button", name="Pay now").click()
    expect(page.locator("#paid")).to_be_visible()
    assert wait_for(
        lambda: (
            api(demo, "/admin/api/analytics?days=30").json()["kpis"]["carts"]["assisted"]["orders"]
            == 1
        ),
        seconds=20,
    )


ADMIN_PAGES = ("", "/campaigns", "/campaigns/1", "/carts", "/analytics", "/customers")
ADMIN_PAGES += ("/connections", "/sync", "/privacy", "/loyalty")


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_axe_finds_no_serious_violation_on_an_admin_page(demo, page, path):
    page.goto(admin(demo, path))
    page.wait_for_load_state("networkidle")
    serious = serious_axe_violations(page)
    assert serious == [], serious


def test_staff_see_a_members_ledger_and_redeem_for_them(demo, page):
    page.goto(admin(demo, "/customers?q=paula@example.com"))
    story = page.locator("#story-points")
    expect(story).to_contain_text("240 points")
    expect(story).to_contain_text("first order")
    story.get_by_role("button", name=re.compile("Redeem 200 points")).click()
    expect(story.locator("table").first).to_contain_text(
        re.compile(r"POINTS-[A-Z0-9]{8}"), timeout=20_000
    )
    expect(story).to_contain_text("40 points")
    loyalty = api(demo, "/admin/api/loyalty/members?q=paula").json()["members"]
    assert [(m["email"], m["balance"]) for m in loyalty] == [("paula@example.com", 40)]


def test_the_loyalty_page_shows_the_program_members_and_what_points_are_worth(demo, page):
    page.goto(admin(demo, "/loyalty"))
    expect(page.locator("#liability")).to_contain_text("Points outstanding")
    expect(page.locator("#members table")).to_be_visible()
    page.get_by_label("Email or name").fill("paula")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#members table")).to_contain_text("paula@example.com")
    page.get_by_label("Points for one reward").fill("0")
    page.get_by_role("button", name="Save program").click()
    expect(page.locator("#reward_points")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Points for one reward").fill("200")
    page.get_by_role("button", name="Save program").click()
    expect(page.locator("#reward_points")).not_to_have_attribute("aria-invalid", "true")
