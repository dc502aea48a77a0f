"""Admin JSON API for journey analytics: the funnel, the KPIs and charts."""

from flask import Blueprint, Response, g, jsonify

from app.admin.responses import date_range, dimension
from app.admin.session import require_session_token
from app.analytics.charts import funnel_chart, line_chart
from app.analytics.funnel import funnel, totals
from app.analytics.journey import journey_kpis, shop_currency
from app.analytics.loyalty import loyalty_kpis
from app.analytics.series import daily_series
from app.models.types import utcnow

bp = Blueprint("analytics", __name__, url_prefix="/admin/api")
FUNNEL_STEPS = (
    ("Impressions", "impressions"),
    ("Opens", "opens"),
    ("Plays", "plays"),
    ("Leads", "leads"),
    ("Codes issued", "codes_issued"),
    ("Codes redeemed", "codes_redeemed"),
)


@bp.get("/analytics")
@require_session_token
def overview():
    """Funnel rows for one dimension, their total, the journey KPIs and the daily series."""
    since, until = date_range()
    by = dimension()
    rows = funnel(g.shop.domain, since, until, by)
    return jsonify(
        range={"from": since.date().isoformat(), "to": until.date().isoformat()},
        by=by,
        funnel=[row.as_json() for row in rows],
        totals=totals(rows).as_json(),
        kpis=journey_kpis(g.shop.domain, since, until),
        series=daily_series(g.shop.domain, since, until),
        currency=shop_currency(g.shop.domain),
    )


@bp.get("/analytics/loyalty")
@require_session_token
def loyalty():
    """The loyalty program's KPIs over the range (definitions in app/analytics/loyalty.py)."""
    since, until = date_range()
    return jsonify(
        range={"from": since.date().isoformat(), "to": until.date().isoformat()},
        kpis=loyalty_kpis(g.shop.domain, since, until),
        currency=shop_currency(g.shop.domain),
    )


@bp.get("/analytics/charts/series.svg")
@require_session_token
def series_chart():
    since, until = date_range()
    series = daily_series(g.shop.domain, since, until)
    chart = line_chart(
        "Impressions, plays, leads and redemptions per day",
        series["days"],
        {name.capitalize(): series[name] for name in ("impressions", "plays", "leads")}
        | {"Redemptions": series["redemptions"]},
        partial_last=until.date() >= utcnow().date(),
    )
    return _svg(chart)


@bp.get("/analytics/charts/funnel.svg")
@require_session_token
def funnel_svg():
    since, until = date_range()
    total = totals(funnel(g.shop.domain, since, until, "campaign"))
    steps = [(label, getattr(total, name)) for label, name in FUNNEL_STEPS]
    return _svg(funnel_chart("The pop-up funnel", steps))


def _svg(chart: str) -> Response:
    response = Response(chart, content_type="image/svg+xml; charset=utf-8")
    response.headers["Cache-Control"] = "private, no-store"
    return response
