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


# A shopper can give one inbox many spellings: capitals, a +tag (subaddressing, RFC 5233,
# which Gmail, Outlook, iCloud, Fastmail and Proton all deliver), and at Gmail dots anywhere
# in the name and googlemail.com for gmail.com. The play key folds those together, so a second
# spelling is the same person (a second play, a self-referral). Yahoo's "-" addresses are
# separate base names and stay apart; so do dots everywhere but Gmail.
GMAIL = "gmail.com"
GMAIL_ALIASES = {"gmail.com", "googlemail.com"}


def play_key(email: str) -> str:
    """The one key all spellings of a normalised address share."""
    local, _, domain = email.lower().rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_ALIASES:
        return f"{local.replace('.', '')}@{GMAIL}"
    return f"{local}@{domain}"
