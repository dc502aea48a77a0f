"""Pieces every admin API route shares: the date range it is asked about, and CSV answers."""

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from flask import Response, request, stream_with_context

from app.errors import ApiError

MAX_DAYS = 366


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


def json_object() -> dict:
    """The JSON body as an object; no body at all asks for the defaults ({})."""
    if not request.get_data():
        return {}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "Send a JSON object.")
    return body


def csv_response(filename: str, rows) -> Response:
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow([_cell(value) for value in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()

    response = Response(stream_with_context(generate()), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# A cell starting with one of these runs as a formula in a spreadsheet (OWASP's CSV injection
# list; a leading tab or carriage return is skipped by some spreadsheets, exposing the next).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    # Shoppers typed these values: never let one run in the merchant's spreadsheet.
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
