"""What can go wrong in Baton's domain, said without HTTP.

Domain code raises one of these with a machine-readable code, a message for people and, for a
form, the fields at fault. app/errors.py maps each kind to its HTTP status in one place, so a
view stays a thin translation and a job can catch the same errors.
"""


class Problem(Exception):
    """Something the caller did or must react to."""

    kind = "invalid"

    def __init__(
        self,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
        retry_after: int | None = None,
    ):
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields
        self.retry_after = retry_after


class Invalid(Problem):
    """The request itself is wrong: a field, a value, a missing piece."""

    kind = "invalid"


class NotFound(Problem):
    """What was named is not there (or not this shop's)."""

    kind = "not_found"


class Conflict(Problem):
    """It cannot happen in the present state (already played, not open)."""

    kind = "conflict"


class Ended(Problem):
    """It was possible once and no longer is (an offer that ended)."""

    kind = "ended"


class Limited(Problem):
    """Too many, too fast: come back after retry_after seconds."""

    kind = "limited"


class Unavailable(Problem):
    """Something Baton depends on did not answer; retrying later may work."""

    kind = "unavailable"


class Upstream(Problem):
    """A vendor Baton called failed, or refused the call, in its own words."""

    kind = "upstream"
