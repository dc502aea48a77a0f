"""Email addresses at play time: throwaway domains refused (one play per person per
campaign is app/emails.py's play_key)."""

from disposable_email_domains import blocklist as PUBLISHED_BLOCKLIST


def is_disposable(email: str, extra_domains: frozenset[str] = frozenset()) -> bool:
    """True for a throwaway inbox: the published list (disposable-email-domains, updated
    daily upstream) and BATON_DISPOSABLE_DOMAINS, matching the domain or any parent of it."""
    domain = email.rpartition("@")[2].lower()
    parts = domain.split(".")
    candidates = {".".join(parts[index:]) for index in range(len(parts) - 1)}
    return bool(candidates & (PUBLISHED_BLOCKLIST | extra_domains))
