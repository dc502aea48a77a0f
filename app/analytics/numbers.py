"""Small pieces the analytics modules share: a rate, a time that compares safely, and what
counts as an abandoned checkout."""

from datetime import UTC, datetime, timedelta


def rate(part: int, whole: int) -> float:
    """part / whole to four places; 0.0 when there is nothing to divide by."""
    return round(part / whole, 4) if whole else 0.0


def utc(moment: datetime | str) -> datetime:
    """An aware UTC time. Aggregates bypass the column type: SQLite hands back text, and
    PostgreSQL naive or aware times; every stored time is UTC."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def abandoned(started, completed, window: timedelta) -> bool:
    """Not completed within the abandonment window (it may have been completed later)."""
    return completed is None or utc(completed) - utc(started) > window
