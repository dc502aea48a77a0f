"""Journey analytics through the admin API, checked against a history with known answers."""

import csv
import io
from itertools import pairwise
from xml.etree import ElementTree

import pytest

from app.analytics import charts
from tests.analytics_data import EXPECTED, seed_history
from tests.shopify_signing import OTHER_SHOP, bearer, session_token

FUNNEL_FIELDS = (
    "impressions",
    "opens",
    "plays",
    "leads",
    "consented_leads",
    "codes_issued",
    "codes_redeemed",
    "revenue",
    "code_cost",
)


@pytest.fixture
def history(installed_shop):
    installed_shop()
    installed_shop(OTHER_SHOP)
    return seed_history()


def get(client, path, shop=None):
    token = session_token(shop) if shop else session_token()
    return client.get(path, headers=bearer(token))


def test_the_funnel_by_campaign_matches_the_known_history(client, history):
    answer = get(client, "/admin/api/analytics?days=30&by=campaign")
    assert answer.status_code == 200, answer.get_json()
    rows = {row["key"]: row for row in answer.get_json()["funnel"]}
    for name in ("wheel", "box"):
        row = rows[str(history[name])]
        assert {field: row[field] for field in FUNNEL_FIELDS} == EXPECTED[name]
        assert row["orders"] == EXPECTED[name]["codes_redeemed"]
    assert rows[str(history["wheel"])]["lift"] == EXPECTED["lift"]
    assert rows[str(history["box"])]["lift"] is None  # no holdout: no lift to claim
    total = answer.get_json()["totals"]
    assert total["plays"] == 15 and total["revenue"] == "230.00"


def test_the_funnel_by_game_variant_and_device(client, history):
    by_game = {
        r["key"]: r for r in get(client, "/admin/api/analytics?by=game").get_json()["funnel"]
    }
    assert by_game["wheel"]["plays"] == 10 and by_game["giftbox"]["impressions"] == 40
    variants = get(client, "/admin/api/analytics?by=variant").get_json()["funnel"]
    wheel_variants = {r["key"]: r for r in variants if r["key"].startswith(f"{history['wheel']}:")}
    assert wheel_variants[f"{history['wheel']}:A"]["plays"] == 6
    assert wheel_variants[f"{history['wheel']}:B"]["impressions"] == 50
    devices = {
        r["key"]: r for r in get(client, "/admin/api/analytics?by=device").get_json()["funnel"]
    }
    assert devices["mobile"]["plays"] == 9 and devices["desktop"]["plays"] == 6
    assert devices["desktop"]["impressions"] == 100


def test_the_journey_kpis_match_the_known_history(client, history):
    kpis = get(client, "/admin/api/analytics?days=30").get_json()["kpis"]
    assert kpis["lead_to_purchase"] == EXPECTED["lead_to_purchase"]
    assert kpis["redemption"] == EXPECTED["redemption"]
    assert kpis["cart_recovery"] == EXPECTED["cart_recovery"]
    assert kpis["leads_against_others"]["popup_leads"] == EXPECTED["popup_leads"]
    assert kpis["leads_against_others"]["other_customers"] == EXPECTED["other_customers"]


def test_the_daily_series_puts_each_figure_on_its_day(client, history):
    series = get(client, "/admin/api/analytics?days=30").get_json()["series"]
    assert len(series["days"]) == 30
    assert sum(series["plays"]) == 15 and sum(series["impressions"]) == 190
    assert sum(series["redemptions"]) == 4 and sum(series["revenue"]) == 230.0


def test_charts_are_svg_with_escaped_labels(client, history):
    for chart in ("series", "funnel"):
        answer = get(client, f"/admin/api/analytics/charts/{chart}.svg?days=30")
        assert answer.status_code == 200
        assert answer.content_type.startswith("image/svg+xml")
        assert answer.get_data(as_text=True).startswith("<svg")
    funnel = get(client, "/admin/api/analytics/charts/funnel.svg").get_data(as_text=True)
    assert ">Plays</text>" in funnel and "15" in funnel


def test_lead_export_carries_consent_records_and_defuses_formulas(client, history):
    from app.extensions import db
    from app.models import Play

    play = db.session.query(Play).filter_by(email="wheel7@example.com").one()
    play.phone = "=HYPERLINK(1)"
    # L9: a leading tab or carriage return hides a formula from a naive check.
    db.session.query(Play).filter_by(email="wheel1@example.com").one().phone = "\t=1+1"
    db.session.query(Play).filter_by(email="box0@example.com").one().phone = "\r=1+1"
    db.session.commit()
    answer = get(client, "/admin/api/exports/leads.csv?days=30")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert len(rows) == 13  # every lead in range, none from 40 days ago
    consented = [row for row in rows if row["email_consent"] == "yes"]
    assert len(consented) == 11
    assert all(row["consent_text"] == "Email me offers." for row in consented)
    assert {row["phone"] for row in rows} >= {"'=HYPERLINK(1)", "'\t=1+1", "'\r=1+1"}
    redeemed = [row for row in rows if row["code_redeemed_at"]]
    assert len(redeemed) == 4


def test_funnel_export_has_a_row_per_campaign_and_a_total(client, history):
    answer = get(client, "/admin/api/exports/funnel.csv?days=30&by=campaign")
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0][0] == "campaign" and rows[-1][0] == "All campaigns"
    assert {row[0] for row in rows[1:-1]} == {"Spring wheel", "Gift box"}


@pytest.mark.parametrize(
    "path",
    [
        "/admin/api/analytics",
        "/admin/api/analytics/charts/series.svg",
        "/admin/api/analytics/charts/funnel.svg",
        "/admin/api/exports/leads.csv",
        "/admin/api/exports/funnel.csv",
        "/admin/api/setup",
        "/admin/api/sync/health",
        "/admin/api/customers?q=wheel",
    ],
)
def test_every_analytics_route_needs_a_session_token(client, history, path):
    assert client.get(path).status_code == 401


def test_another_shop_sees_none_of_this_history(client, history):
    other = get(client, "/admin/api/analytics?days=30", shop=OTHER_SHOP).get_json()
    assert other["funnel"] == [] and other["totals"]["plays"] == 0
    assert other["kpis"]["lead_to_purchase"]["leads"] == 0
    leads = get(client, "/admin/api/exports/leads.csv", shop=OTHER_SHOP).get_data(as_text=True)
    assert leads.strip().count("\n") == 0  # the header alone
    assert get(client, "/admin/api/customers?q=wheel", shop=OTHER_SHOP).get_json() == {
        "customers": [],
        "code": None,
        "currency": None,  # not even this shop's currency
    }


@pytest.mark.parametrize(
    "query",
    ["days=0", "days=400", "days=abc", "from=2026-11-20&to=2026-11-01", "from=nope&to=2026-11-01"],
)
def test_a_bad_range_is_a_400_naming_it(client, history, query):
    answer = get(client, f"/admin/api/analytics?{query}")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "invalid_range"


def test_an_unknown_dimension_is_a_400(client, history):
    answer = get(client, "/admin/api/analytics?by=colour")
    assert answer.status_code == 400 and answer.get_json()["error"]["fields"]["by"]


def test_the_daily_chart_is_readable_legend_inside_round_gridlines_and_today_marked(
    client, history
):
    svg = get(client, "/admin/api/analytics/charts/series.svg?days=30").get_data(as_text=True)
    root = ElementTree.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    legend = root.find(".//s:g[@class='legend-box']/s:rect", ns)
    assert float(legend.get("y")) >= charts.PAD_TOP  # inside the plot, not clipped above it
    labels = [t.text for t in root.findall(".//s:text[@class='tick']", ns)]
    y_labels = [label for label in labels if label.replace(",", "").isdigit()]
    assert len(y_labels) >= 3 and y_labels[0] == "0"  # more than 0 and the maximum
    steps = {int(b.replace(",", "")) - int(a.replace(",", "")) for a, b in pairwise(y_labels)}
    assert len(steps) == 1 and str(steps.pop()).strip("0") in ("1", "2", "5")
    assert root.find(".//s:rect[@class='partial']", ns) is not None
    assert "today, so far" in labels
    past = get(client, "/admin/api/analytics/charts/series.svg?from=2026-10-01&to=2026-10-31")
    assert "today, so far" not in past.get_data(as_text=True)
