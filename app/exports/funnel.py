"""The funnel CSV: one row per value of a dimension, then the total."""

from datetime import datetime

from app.analytics.funnel import funnel, totals

MEASURES = ["impressions", "opens", "plays", "leads", "consented_leads", "codes_issued"]
MEASURES += ["codes_redeemed", "orders", "revenue", "code_cost"]


def funnel_rows(shop_domain: str, since: datetime, until: datetime, by: str):
    """The header, each row of the dimension, and the total, with the holdout's lift last."""
    rows = funnel(shop_domain, since, until, by)
    yield [by, *MEASURES, "lift"]
    for row in [*rows, totals(rows)]:
        data = row.as_json()
        lift = (data.get("lift") or {}).get("lift")
        yield [row.label, *(data[name] for name in MEASURES), "" if lift is None else lift]
