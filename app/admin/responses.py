"""Pieces admin API routes share: the range and dimension asked about, the body, invalid
fields, CSV answers."""

from datetime import UTC, date, datetime, time, timedelta

from flask import Response, request, stream_with_context

from app.analytics.funnel import DIMENSIONS
from app.errors import ApiError
from app.exports.cells import csv_lines

MAX_DAYS = 366


def refuse_invalid(code: str, errors: dict[str, str]) -> None:
    """A 400 naming every field that needs attention, when any does."""
    if errors:
        count = len(errors)
        message = "1 field needs attention" if count == 1 else f"{count} fields need attention"
        raise ApiError(400, code, message, fields=errors)


def date_range() -> tuple[datetime, datetime]:
    """From ?from=&to= (dates, inclusive) or ?days= (default 30, ending today)."""
    raw_from, raw_to = request.args.get("from"), request.args.get("to")
    try:
        if raw_from or raw_to:
            first = date.fromisoformat(raw_from or "")
            last = date.fromisoformat(raw_to or "")
        else:
            days = int(request.args.get("days", "30"))
            last = datetime.now(UTC).date()
            first = last - timedelta(days=days - 1)
    except (ValueError, OverflowError) as error:  # OverflowError: days past year 1
        raise ApiError(
            400,
            "invalid_range",
            "Give days (1 to 366), or from and to as YYYY-MM-DD.",
            fields={"range": str(error)},
        ) from error
    if first > last or (last - first).days >= MAX_DAYS:
        raise ApiError(
            400,
            "invalid_range",
            "The range must run forwards and span at most 366 days.",
            fields={"range": "from must not be after to, and at most 366 days apart"},
        )
    since = datetime.combine(first, time.min, tzinfo=UTC)
    until = datetime.combine(last, time.max, tzinfo=UTC)
    return since, until


def dimension() -> str:
    """?by=, the dimension a funnel is cut by (campaign when not given)."""
    by = request.args.get("by", "campaign")
    if by not in DIMENSIONS:
        raise ApiError(
            400,
            "invalid_dimension",
            f"by is one of {', '.join(DIMENSIONS)}.",
            fields={"by": f"one of {', '.join(DIMENSIONS)}"},
        )
    return by


def json_object() -> dict:
    """The JSON body as an object; no body at all asks for the defaults ({})."""
    if not request.get_data():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Send a JSON object.")
    return body


def csv_response(filename: str, rows) -> Response:
    """Rows streamed as a CSV download that no one else's cache keeps."""
    response = Response(
        stream_with_context(csv_lines(rows)), content_type="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
