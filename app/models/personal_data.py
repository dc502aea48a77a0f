"""Which columns hold personal data, and what erasure does with them: one registry by the models.

customers/redact (app/privacy.py) erases a person from every table named here, and
tests/privacy/test_personal_data.py walks the SQLAlchemy metadata and fails when a column whose name
says it may hold personal data (an email, name, phone, address, IP, user agent, visitor id,
or free text such as a body, details, an export or an error) belongs to no entry: a new table
must say here what it holds before it can ship. shop/redact deletes every row of the shop
from every table with a shop_domain, whatever this registry says.

Erasure, per table:
- delete: the person's rows go.
- anonymise: the rows stay for the shop's figures (revenue, play counts), their personal
  columns set to null.
- scrub: free text that mentions the person is replaced (stored webhook bodies, errors).
- hashed: only a SHA-256 of the address is kept, to honour an unsubscribe after erasure.
"""

from dataclasses import dataclass

DELETE, ANONYMISE, SCRUB, HASHED = "delete", "anonymise", "scrub", "hashed"


@dataclass(frozen=True)
class PersonalData:
    """A table's personal columns, what erasure does to them, and look-alikes that are not."""

    columns: tuple[str, ...]
    erasure: str | None
    # Columns whose names look personal but hold the merchant's or Shopify's own data.
    not_personal: tuple[str, ...] = ()


REGISTRY: dict[str, PersonalData] = {
    "customer": PersonalData(
        (
            "email",
            "email_verified",
            "phone",
            "first_name",
            "last_name",
            "tags",
            "email_consent_state",
            "email_consent_opt_in_level",
            "email_consent_updated_at",
            "sms_consent_state",
            "sms_consent_opt_in_level",
            "sms_consent_updated_at",
        ),
        DELETE,
    ),
    "visitor": PersonalData(("visitor_key",), DELETE),
    "cart": PersonalData(("visitor_key", "line_items"), DELETE),
    "checkout": PersonalData(
        ("email", "abandoned_checkout_url", "line_items"),
        DELETE,
        not_personal=("recovery_emailed_at",),
    ),
    "timeline_event": PersonalData(("details",), DELETE),
    "campaign_exposure": PersonalData(("visitor_key",), DELETE),
    "assisted_draft": PersonalData(
        ("email", "invoice_url", "line_items", "last_error"),
        DELETE,
        not_personal=("name",),  # the draft's number, "#D12"
    ),
    "sync_task": PersonalData(("subject", "last_error"), DELETE),
    "shop_order": PersonalData(
        ("email", "shipping_address_key"),
        ANONYMISE,
        not_personal=("name",),  # "#1001"
    ),
    "referral": PersonalData(("friend_email_key", "visitor_key"), DELETE),
    "play": PersonalData(
        ("email", "email_key", "phone", "ip", "user_agent", "visitor_key", "shopify_customer_id"),
        ANONYMISE,
        # What stays of the consent record once nobody is named: which text, whether ticked.
        not_personal=("consented", "consent_text_version", "sms_consented"),
    ),
    "privacy_request": PersonalData(
        ("email", "shopify_customer_id", "export"),
        ANONYMISE,
        not_personal=("details",),  # Shopify's order and request ids
    ),
    "webhook_delivery": PersonalData(("body", "error"), SCRUB),
    "email_backfill": PersonalData(("last_error",), SCRUB),
    "backfill_run": PersonalData(("error",), SCRUB),
    "email_suppression": PersonalData(("email_hash",), HASHED),
    # Shopify's words about a refused discount input; the row goes with its customer.
    "loyalty_reward": PersonalData((), None, not_personal=("error",)),
    # The merchant's own settings and texts; no shopper's data.
    "campaign": PersonalData((), None, not_personal=("name", "content", "consent")),
    "campaign_variant": PersonalData((), None, not_personal=("content",)),
}
