"""Email addresses at play time: throwaway domains refused, one play per person per campaign.

A shopper can give one inbox many spellings: capitals, a +tag (subaddressing, RFC 5233, which
Gmail, Outlook, iCloud, Fastmail and Proton all deliver), and at Gmail dots anywhere in the
name and googlemail.com for gmail.com. The play key folds those together so a second
spelling is a second play of the same person. Yahoo's "-" addresses are separate base names
and stay apart; so do dots everywhere but Gmail, where they are significant.
"""

from disposable_email_domains import blocklist as PUBLISHED_BLOCKLIST

GMAIL = "gmail.com"
GMAIL_ALIASES = {"gmail.com", "googlemail.com"}


def play_key(email: str) -> str:
    """The one key all spellings of a normalised address share."""
    local, _, domain = email.lower().rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in GMAIL_ALIASES:
        return f"{local.replace('.', '')}@{GMAIL}"
    return f"{local}@{domain}"


def is_disposable(email: str, extra_domains: frozenset[str] = frozenset()) -> bool:
    """True for a throwaway inbox: the published list (disposable-email-domains, updated
    daily upstream) and BATON_DISPOSABLE_DOMAINS, matching the domain or any parent of it."""
    domain = email.rpartition("@")[2].lower()
    parts = domain.split(".")
    candidates = {".".join(parts[index:]) for index in range(len(parts) - 1)}
    return bool(candidates & (PUBLISHED_BLOCKLIST | extra_domains))
