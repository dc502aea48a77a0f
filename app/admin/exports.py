"""Admin CSV downloads: leads with their consent record, the funnel, carts, loyalty KPIs."""

from flask import Blueprint, g

from app.admin.responses import csv_response, date_range, dimension
from app.admin.session import require_session_token
from app.analytics.loyalty import kpi_rows
from app.exports.carts import cart_rows
from app.exports.funnel import funnel_rows
from app.exports.leads import lead_rows

bp = Blueprint("exports", __name__, url_prefix="/admin/api/exports")


@bp.get("/leads.csv")
@require_session_token
def leads():
    """Every lead in the range with its consent record, streamed so a big shop stays light."""
    since, until = date_range()
    rows = lead_rows(g.shop.domain, since, until)
    return csv_response(f"baton-leads-{since.date()}-{until.date()}.csv", rows)


@bp.get("/funnel.csv")
@require_session_token
def funnel():
    """The funnel by a dimension, with the total and the holdout's lift."""
    since, until = date_range()
    by = dimension()
    rows = funnel_rows(g.shop.domain, since, until, by)
    return csv_response(f"baton-funnel-by-{by}-{since.date()}-{until.date()}.csv", rows)


@bp.get("/carts.csv")
@require_session_token
def carts():
    """Carts started in the range with their lines, identity and outcome, streamed."""
    since, until = date_range()
    rows = cart_rows(g.shop.domain, since, until)
    return csv_response(f"baton-carts-{since.date()}-{until.date()}.csv", rows)


@bp.get("/loyalty.csv")
@require_session_token
def loyalty():
    """The loyalty KPIs over the range, a row each."""
    since, until = date_range()
    rows = kpi_rows(g.shop.domain, since, until)
    return csv_response(f"baton-loyalty-{since.date()}-{until.date()}.csv", rows)
