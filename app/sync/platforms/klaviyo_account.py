"""Klaviyo through its SDK, klaviyo-api: every call returns an Outcome or the data asked for.

The SDK retries 429, 503, 504 and 524 itself, waiting out the whole Retry-After whatever
max_delay says, and urllib3 underneath retries throttled GETs and timeouts again. A worker
must not sleep a minute inside one task, so both are switched off here: one attempt per call,
a timeout on every call, and the task is rescheduled instead (honouring Retry-After).
"""

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from klaviyo_api import KlaviyoAPI
from openapi_client import rest
from openapi_client.api_arg_options import USE_DICTIONARY_FOR_RESPONSE_DATA
from openapi_client.exceptions import ApiException
from redis import Redis
from urllib3.exceptions import HTTPError

from app.metrics import VENDOR_RATE_LIMITED
from app.sync.outcomes import TRANSIENT, Outcome, by_status, retry_after_seconds
from app.sync.platforms.base import PlatformError
from app.sync.platforms.rate_limits import KlaviyoRateLimiter, RateLimited

SDK_ATTEMPTS = 1
SDK_MAX_DELAY = 1
TIMEOUT_SECONDS = 15
SUPPRESS_BATCH = 100  # Klaviyo's maximum per bulk suppression
EVENTS_BATCH = 1000  # per bulk event job
SUBSCRIBE_BATCH = 1000  # profiles per bulk subscription job
PROFILES_PAGE = 100  # get_profiles page size, and emails per any() filter
LEAD_METRIC = "Baton Popup Won"
UNREACHABLE = "Klaviyo could not be reached (no answer from its servers)"
CHECKOUT_METRIC = "Started Checkout"
log = logging.getLogger(__name__)


class KlaviyoError(PlatformError):
    """A call that did not succeed; carries its Outcome."""


class KlaviyoAccount:
    """One shop's Klaviyo account and list."""

    def __init__(self, api_key: str, list_id: str = "", host: str = "", redis: Redis | None = None):
        self.list_id = list_id
        self.calls = 0  # requests made, for progress and benchmarks
        self.limiter = KlaviyoRateLimiter(redis, api_key) if redis is not None else None
        self.api = KlaviyoAPI(
            api_key,
            max_delay=SDK_MAX_DELAY,
            max_retries=SDK_ATTEMPTS,
            test_host=host,
            options={USE_DICTIONARY_FOR_RESPONSE_DATA: True},
        )
        # The REST client read `retries` when it was built: set it, then build it again.
        self.api.configuration.retries = False
        self.api.api_client.rest_client = rest.RESTClientObject(self.api.configuration)

    def account_name(self) -> str:
        """Check the key: the account's organisation name."""
        data = self._call("get_accounts", self.api.Accounts.get_accounts)["data"]
        contact = (data[0]["attributes"].get("contact_information") or {}) if data else {}
        return contact.get("organization_name") or "Klaviyo account"

    def list_name(self, list_id: str) -> str | None:
        """The list's name, or None when the account has no such list."""
        answer = self._call("get_lists", self.api.Lists.get_lists, filter=f'equals(id,"{list_id}")')
        found = [item for item in answer["data"] if item["id"] == list_id]
        return found[0]["attributes"]["name"] if found else None

    def lists(self) -> list[dict]:
        """The account's lists, for the list picker: id, name, and whether it double opts in."""
        found, cursor = [], None
        for _ in range(10):  # 10 pages is more lists than any picker can show
            answer = self._call(
                "get_lists",
                self.api.Lists.get_lists,
                **({"page_cursor": cursor} if cursor else {}),
            )
            found += [
                {
                    "id": item["id"],
                    "name": item["attributes"]["name"],
                    "double_optin": item["attributes"].get("opt_in_process") == "double_opt_in",
                }
                for item in answer["data"]
            ]
            cursor = (answer.get("links") or {}).get("next")
            if not cursor:
                break
        return found

    def suppressed_since(self, since: datetime) -> Iterator[tuple[str, str, datetime]]:
        """(email, reason, timestamp) for every address suppressed after `since`, page by page:
        suppressed account-wide, or unsubscribed from this list alone (an account without
        global unsubscribes records only that, and a subscribe to the list would clear it)."""
        moment = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        marketing = "subscriptions.email.marketing"
        yield from self._suppressions(
            f"greater-than({marketing}.suppression.timestamp,{moment})", since, None
        )
        if self.list_id:
            yield from self._suppressions(
                f"and(greater-than({marketing}.list_suppressions.timestamp,{moment}),"
                f'equals({marketing}.list_suppressions.list_id,"{_quoted(self.list_id)}"))',
                since,
                self.list_id,
            )

    def _suppressions(
        self, condition: str, since: datetime, list_id: str | None
    ) -> Iterator[tuple[str, str, datetime]]:
        cursor = None
        while True:
            answer = self._call(
                "get_profiles",
                self.api.Profiles.get_profiles,
                filter=condition,
                additional_fields_profile=["subscriptions"],
                page_size=PROFILES_PAGE,
                **({"page_cursor": cursor} if cursor else {}),
            )
            for profile in answer["data"]:
                email = profile["attributes"].get("email")
                for entry in _suppression_entries(profile["attributes"], list_id):
                    at = _moment(entry.get("timestamp"))
                    if email and at is not None and at > since:
                        yield email.lower(), entry.get("reason") or "", at
            cursor = (answer.get("links") or {}).get("next")
            if not cursor:
                return

    def upsert_profile(self, email: str, properties: dict) -> None:
        """Create or update the profile's custom properties (orders, spend, tags, segments)."""
        self._call(
            "create_or_update_profile",
            self.api.Profiles.create_or_update_profile,
            {"data": {"type": "profile", "attributes": {"email": email, "properties": properties}}},
        )

    def suppressions_of(self, emails: list[str]) -> dict[str, str]:
        """{email: why} for the addresses Klaviyo will not email, 100 per call."""
        found = {}
        for start in range(0, len(emails), PROFILES_PAGE):
            batch = ",".join(
                f'"{_quoted(email)}"' for email in emails[start : start + PROFILES_PAGE]
            )
            answer = self._call(
                "get_profiles",
                self.api.Profiles.get_profiles,
                filter=f"any(email,[{batch}])",
                additional_fields_profile=["subscriptions"],
                page_size=PROFILES_PAGE,
            )
            for profile in answer["data"]:
                reason = _refusal(profile["attributes"], self.list_id)
                if reason and profile["attributes"].get("email"):
                    found[profile["attributes"]["email"].lower()] = reason
        return found

    def track_leads(self, leads: list[dict]) -> None:
        """ "Baton Popup Won" for many plays at once, 1,000 per bulk job."""
        for start in range(0, len(leads), EVENTS_BATCH):
            entries = [
                {
                    "type": "event-bulk-create",
                    "attributes": {
                        "profile": {
                            "data": {
                                "type": "profile",
                                "attributes": {
                                    "email": lead["email"],
                                    "properties": lead["profile_properties"],
                                },
                            }
                        },
                        "events": {"data": [_bulk_event(LEAD_METRIC, lead)]},
                    },
                }
                for lead in leads[start : start + EVENTS_BATCH]
            ]
            self._call(
                "bulk_create_events",
                self.api.Events.bulk_create_events,
                {
                    "data": {
                        "type": "event-bulk-create-job",
                        "attributes": {"events-bulk-create": {"data": entries}},
                    }
                },
            )

    def import_profiles(self, profiles: list[dict]) -> str:
        """One bulk import job (callers keep it within 10,000 profiles and 5 MB); its id."""
        answer = self._call(
            "bulk_import_profiles",
            self.api.Profiles.bulk_import_profiles,
            {
                "data": {
                    "type": "profile-bulk-import-job",
                    "attributes": {
                        "profiles": {
                            "data": [
                                {"type": "profile", "attributes": profile} for profile in profiles
                            ]
                        }
                    },
                }
            },
        )
        return answer["data"]["id"]

    def import_job(self, job_id: str) -> dict:
        """An import job's status ("queued", "processing", "complete"...) and its counts."""
        answer = self._call(
            "get_bulk_import_profiles_job", self.api.Profiles.get_bulk_import_profiles_job, job_id
        )
        return answer["data"]["attributes"]

    def subscribe_historical(self, consents: list[tuple[str, str]], source: str) -> None:
        """Subscribe (email, consented_at) pairs whose consent was given in Shopify earlier."""
        for start in range(0, len(consents), SUBSCRIBE_BATCH):
            batch = consents[start : start + SUBSCRIBE_BATCH]
            self._subscribe(
                [email for email, _ in batch],
                source,
                consented_at=[moment for _, moment in batch],
            )

    def subscribe_many(self, emails: list[str], source: str) -> None:
        """Subscribe addresses to the list, 1,000 per job; callers refuse suppressed ones."""
        for start in range(0, len(emails), SUBSCRIBE_BATCH):
            self._subscribe(emails[start : start + SUBSCRIBE_BATCH], source)

    def track_checkout(self, checkout: dict) -> None:
        """ "Started Checkout", once per checkout token, with lines, value and recovery URL."""
        self.track_event(
            CHECKOUT_METRIC,
            checkout["email"],
            checkout["properties"],
            unique_id=checkout["token"],
            time=checkout["time"],
            value=checkout.get("value"),
        )

    def track_event(self, metric, email, properties, unique_id, time, value=None) -> None:
        """One event; Klaviyo keeps one per unique_id, so a resend adds nothing."""
        self._call(
            "create_event",
            self.api.Events.create_event,
            _event(metric, email, properties, unique_id=unique_id, time=time, value=value),
        )

    def _subscribe(self, emails: list[str], source: str, consented_at=None) -> None:
        # consented_at, one per email, makes this a historical import of earlier consent.
        profiles = []
        for n, email in enumerate(emails):
            marketing = {"consent": "SUBSCRIBED"}
            if consented_at:
                marketing["consented_at"] = consented_at[n]
            profiles.append(
                {
                    "type": "profile",
                    "attributes": {
                        "email": email,
                        "subscriptions": {"email": {"marketing": marketing}},
                    },
                }
            )
        attributes = {"custom_source": source[:100], "profiles": {"data": profiles}}
        if consented_at:
            attributes["historical_import"] = True
        self._call(
            "bulk_subscribe_profiles",
            self.api.Profiles.bulk_subscribe_profiles,
            {
                "data": {
                    "type": "profile-subscription-bulk-create-job",
                    "attributes": attributes,
                    "relationships": {"list": {"data": {"type": "list", "id": self.list_id}}},
                }
            },
        )

    def suppress(self, emails: list[str]) -> None:
        """Suppress addresses, 100 per call."""
        for start in range(0, len(emails), SUPPRESS_BATCH):
            batch = emails[start : start + SUPPRESS_BATCH]
            self._call(
                "bulk_suppress_profiles",
                self.api.Profiles.bulk_suppress_profiles,
                {
                    "data": {
                        "type": "profile-suppression-bulk-create-job",
                        "attributes": {
                            "profiles": {
                                "data": [
                                    {"type": "profile", "attributes": {"email": email}}
                                    for email in batch
                                ]
                            }
                        },
                    }
                },
            )

    def _call(self, operation: str, method, *args, **kwargs):
        kwargs.setdefault("_request_timeout", TIMEOUT_SECONDS)
        self.calls += 1
        try:
            if self.limiter is not None:
                self.limiter.acquire(operation)
            return method(*args, **kwargs)
        except RateLimited as error:
            raise KlaviyoError(
                Outcome(TRANSIENT, f"Klaviyo {operation}: {error}", retry_after=error.retry_after)
            ) from error
        except ApiException as error:
            if error.status == 429:
                VENDOR_RATE_LIMITED.labels("klaviyo").inc()
            raise KlaviyoError(
                by_status(error.status or 0, _detail(error), retry_after_seconds(error.headers))
            ) from error
        except (HTTPError, OSError) as error:
            # The merchant reads the detail on the sync page. The log gets the host and the
            # failure's class: the exception's text holds the URL, whose filters name people.
            host = self.api.configuration.host
            log.warning(
                "could not reach Klaviyo at %s (%s): %s", host, operation, type(error).__name__
            )
            raise KlaviyoError(by_status(0, UNREACHABLE)) from error


def _event(metric, email, properties, unique_id, time, value=None):
    attributes = {
        "properties": properties,
        "time": time,
        "unique_id": unique_id,
        "metric": {"data": {"type": "metric", "attributes": {"name": metric}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": email}}},
    }
    if value is not None:
        attributes["value"] = value
    return {"data": {"type": "event", "attributes": attributes}}


def _bulk_event(metric: str, lead: dict) -> dict:
    return {
        "type": "event",
        "attributes": {
            "properties": lead["properties"],
            "time": lead["time"],
            "unique_id": f"baton-play-{lead['play_id']}",
            "metric": {"data": {"type": "metric", "attributes": {"name": metric}}},
        },
    }


def _refusal(attributes: dict, list_id: str) -> str | None:
    """Why Klaviyo will not email this profile on this list, or None."""
    if _suppression_entries(attributes, None):
        return "suppressed in Klaviyo"
    if _marketing(attributes).get("consent") == "UNSUBSCRIBED":
        return "unsubscribed in Klaviyo"
    if list_id and _suppression_entries(attributes, list_id):
        return "unsubscribed from the list in Klaviyo"
    return None


def _marketing(attributes: dict) -> dict:
    return ((attributes.get("subscriptions") or {}).get("email") or {}).get("marketing") or {}


def _suppression_entries(attributes: dict, list_id: str | None) -> list[dict]:
    """The account-wide suppressions (list_id None), or those of one list."""
    marketing = _marketing(attributes)
    if list_id is None:
        return marketing.get("suppression") or []
    return [
        entry
        for entry in marketing.get("list_suppressions") or []
        if entry.get("list_id") == list_id
    ]


def _moment(text) -> datetime | None:
    if not text:
        return None
    at = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _detail(error: ApiException) -> str:
    # Klaviyo's JSON:API errors: the first error's detail says what was wrong.
    try:
        errors = json.loads(error.body or "{}").get("errors") or []
        first = errors[0]
        return f"Klaviyo {error.status}: {first.get('detail') or first.get('title')}"
    except (ValueError, IndexError, AttributeError, TypeError):
        return f"Klaviyo {error.status}: {error.reason}"


def _quoted(email: str) -> str:
    return email.replace("\\", "").replace('"', "")
