"""Rows as CSV text that a spreadsheet opens without running anything a shopper typed."""

import csv
import io

# A cell starting with one of these runs as a formula in a spreadsheet (OWASP's CSV injection
# list; a leading tab or carriage return is skipped by some spreadsheets, exposing the next).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_lines(rows):
    """Each row as one line of CSV text, as it is read (so a large export streams)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def safe_cell(value) -> str:
    """The value as text; one that would start a formula is quoted to stay text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
