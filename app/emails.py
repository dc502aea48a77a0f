"""What an email address is to Baton: one normal form, used by every layer that receives one."""

import re

# No control characters either: a NUL cannot be stored in PostgreSQL, nor sent on to a vendor.
_PART = r"[^@\s\x00-\x1f\x7f]+"
EMAIL = re.compile(rf"^{_PART}@{_PART}\.{_PART}$")
MAX_LENGTH = 320


def normalise_email(raw) -> str | None:
    """Trimmed and lower-cased, or None when it is not an email address at all."""
    if not isinstance(raw, str):
        return None
    email = raw.strip().lower()
    return email if EMAIL.match(email) and len(email) <= MAX_LENGTH else None
