"""Admin JSON API for journey analytics: the funnel, the KPIs, charts, and CSV exports."""

from flask import Blueprint, Response, g, jsonify, request

from app.admin.exports import lead_rows
from app.admin.responses import csv_response, date_range
from app.admin.session import require_session_token
from app.analytics.charts import funnel_chart, line_chart
from app.analytics.funnel import DIMENSIONS, funnel, totals
from app.analytics.journey import journey_kpis
from app.analytics.series import daily_series
from app.errors import ApiError

bp = Blueprint("admin_analytics", __name__, url_prefix="/admin/api")
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
    by = _dimension()
    rows = funnel(g.shop.domain, since, until, by)
    return jsonify(
        range={"from": since.date().isoformat(), "to": until.date().isoformat()},
        by=by,
        funnel=[row.as_json() for row in rows],
        totals=totals(rows).as_json(),
        kpis=journey_kpis(g.shop.domain, since, until),
        series=daily_series(g.shop.domain, since, until),
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
    )
    return _svg(chart)


@bp.get("/analytics/charts/funnel.svg")
@require_session_token
def funnel_svg():
    since, until = date_range()
    total = totals(funnel(g.shop.domain, since, until, "campaign"))
    steps = [(label, getattr(total, name)) for label, name in FUNNEL_STEPS]
    return _svg(funnel_chart("The pop-up funnel", steps))


@bp.get("/exports/leads.csv")
@require_session_token
def leadscsv_response():
    """Every lead in the range with its consent record, streamed so a big shop stays light."""
    since, until = date_range()
    return csv_response(
        f"baton-leads-{since.date()}-{until.date()}.csv", lead_rows(g.shop.domain, since, until)
    )


@bp.get("/exports/funnel.csv")
@require_session_token
def funnelcsv_response():
    since, until = date_range()
    by = _dimension()
    rows = funnel(g.shop.domain, since, until, by)
    header = [by, "impressions", "opens", "plays", "leads", "consented_leads", "codes_issued"]
    header += ["codes_redeemed", "orders", "revenue", "code_cost", "lift"]

    def lines():
        yield header
        for row in [*rows, totals(rows)]:
            data = row.as_json()
            lift = (data.get("lift") or {}).get("lift")
            yield (
                [row.label] + [data[name] for name in header[1:-1]] + ["" if lift is None else lift]
            )

    return csv_response(f"baton-funnel-by-{by}-{since.date()}-{until.date()}.csv", lines())


def _dimension() -> str:
    by = request.args.get("by", "campaign")
    if by not in DIMENSIONS:
        raise ApiError(
            400,
            "invalid_dimension",
            f"by is one of {', '.join(DIMENSIONS)}.",
            fields={"by": f"one of {', '.join(DIMENSIONS)}"},
        )
    return by


def _svg(chart: str) -> Response:
    response = Response(chart, content_type="image/svg+xml; charset=utf-8")
    response.headers["Cache-Control"] = "private, no-store"
    return response
