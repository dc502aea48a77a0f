"""Every vendor call ends as one of four outcomes, whatever the SDK did on the way."""

from dataclasses import dataclass

DONE, TRANSIENT, PERMANENT, SUPPRESSED = "done", "transient", "permanent", "suppressed"
# Handed to the vendor inside a batch whose results come later; detail is the batch id.
WAITING = "waiting"


@dataclass(frozen=True)
class Outcome:
    """done; transient (retry later); permanent (record and show); suppressed (never retry
    as subscribed: the platform holds the address in a compliance state)."""

    kind: str
    detail: str = ""
    retry_after: float | None = None
    status: int = 0  # the vendor's HTTP status, 0 when it never answered


def done(detail: str = "") -> Outcome:
    return Outcome(DONE, detail)


def retry_after_seconds(headers) -> float | None:
    """An integer Retry-After header, as both vendors send it; None when absent or odd."""
    raw = (headers or {}).get("Retry-After") or (headers or {}).get("retry-after")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except (TypeError, ValueError):
        return None


def by_status(status: int, detail: str, retry_after: float | None = None) -> Outcome:
    """Throttling, timeouts and server errors pass; any other refusal will not."""
    if status == 0 or status in (408, 409, 423, 425, 429) or status >= 500:
        return Outcome(TRANSIENT, detail, retry_after, status)
    return Outcome(PERMANENT, detail, status=status)
