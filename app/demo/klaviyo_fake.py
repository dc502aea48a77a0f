"""A Klaviyo fake on loopback: `KlaviyoAPI(key, test_host=fake.url)` talks to it over HTTP.

It serves the operations in ../shared/specs/klaviyo, checks every request body against the
operation's schema and every answer against its response schema, and reports errors as
Klaviyo's JSON:API error documents. Behaviour modelled on purpose, as the specs describe it:

- subscribing (bulk_subscribe_profiles) removes UNSUBSCRIBE, SPAM_COMPLAINT and USER_SUPPRESSED
  suppressions, so subscribing someone who unsubscribed inside Klaviyo re-subscribes them;
  bounces and invalid addresses stay suppressed;
- create_event keeps one event per (metric, profile, unique_id); without a unique_id Klaviyo
  uses the event time to the second, so only one such event per profile per second;
- a bulk profile import is a job: its profiles land when the job is next read (GET);
- bulk unsubscribe takes a member of the given list off that list, and unsubscribes (and
  suppresses) everyone else globally;
- rate limits come from each operation's x-klaviyo-ratelimit (burst per second, steady per
  minute), counted per operation per API key; a refusal is a 429 with an integer Retry-After.

Not modelled: segments, SMS/push/WhatsApp consent, OAuth, the lower rate limit of get_profiles
with predictive analytics, and confirmation emails (see confirm_double_opt_in).
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit
from uuid import uuid4

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from app.demo.vendor_http import (
    SPECS_DIR,
    InjectedFailure,
    SlidingWindowLimiter,
    SpecOperation,
    VendorFake,
    json_response,
    load_spec,
    spec_operation,
    window,
)

OPERATIONS = (
    "get_accounts",
    "get_lists",
    "create_or_update_profile",
    "get_profiles",
    "create_event",
    "bulk_create_events",
    "bulk_import_profiles",
    "get_bulk_import_profiles_job",
    "bulk_subscribe_profiles",
    "bulk_unsubscribe_profiles",
    "bulk_suppress_profiles",
)
JSON_API = "application/vnd.api+json"
SUBSCRIBED, UNSUBSCRIBED, NEVER_SUBSCRIBED = "SUBSCRIBED", "UNSUBSCRIBED", "NEVER_SUBSCRIBED"
SUPPRESSION_REASONS = {
    "HARD_BOUNCE",
    "INVALID_EMAIL",
    "SPAM_COMPLAINT",
    "UNSUBSCRIBE",
    "USER_SUPPRESSED",
}
# bulk_subscribe_profiles' description names SPAM_REPORT where the schema's enum says
# SPAM_COMPLAINT; both are lifted by a subscribe, while bounces and bad addresses stay.
CLEARED_BY_SUBSCRIBE = {"UNSUBSCRIBE", "SPAM_COMPLAINT", "SPAM_REPORT", "USER_SUPPRESSED"}
PROFILE_ATTRIBUTES = (
    "phone_number",
    "external_id",
    "first_name",
    "last_name",
    "organization",
    "locale",
    "title",
    "image",
    "location",
)
IDENTIFIERS = ("email", "phone_number", "external_id", "anonymous_id", "_kx")
# Limits stated in the operations' descriptions rather than in their schemas. They are
# checked before the schema, as a gateway would, which also keeps oversized requests fast.
MAX_BYTES = {
    "create_or_update_profile": 100 * 1024,
    "bulk_import_profiles": 5 * 1024 * 1024,
    "bulk_create_events": 5 * 1024 * 1024,
}
PROFILES = "/data/attributes/profiles/data"
MAX_ITEMS = {  # a * sums over the items of a list
    "bulk_import_profiles": (PROFILES, 10_000),
    "bulk_subscribe_profiles": (PROFILES, 1_000),
    "bulk_unsubscribe_profiles": (PROFILES, 100),
    "bulk_suppress_profiles": (PROFILES, 100),
    "bulk_create_events": (
        "/data/attributes/events-bulk-create/data/*/attributes/events/data",
        1_000,
    ),
}
REVISION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.\w+)?$")
ACCOUNT_ID = "AbC123"
DEFAULT_LISTS = {"list1": {"name": "Newsletter", "opt_in_process": "single_opt_in"}}
TITLES = {  # by code where a status has several, else by status
    "not_authenticated": "Authentication credentials were not provided.",
    400: "Invalid input.",
    401: "Incorrect authentication credentials.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "Request entity too large.",
    429: "Request was throttled.",
}


@dataclass
class Suppression:
    """Why and since when Klaviyo will not send marketing email to an address."""

    reason: str
    timestamp: datetime


@dataclass
class Profile:
    """What Klaviyo holds about one person."""

    id: str
    email: str | None
    created: datetime
    updated: datetime
    attributes: dict = field(default_factory=dict)
    properties: dict = field(default_factory=dict)
    consent: str = NEVER_SUBSCRIBED
    consent_timestamp: datetime | None = None
    suppression: Suppression | None = None
    list_suppressions: dict[str, Suppression] = field(default_factory=dict)
    lists: set[str] = field(default_factory=set)
    # Lists with double opt-in whose confirmation email has not been clicked yet.
    pending_lists: set[str] = field(default_factory=set)
    last_event_date: datetime | None = None

    @property
    def can_receive_email(self) -> bool:
        """Consented and not suppressed: Klaviyo's can_receive_email_marketing."""
        return self.consent == SUBSCRIBED and self.suppression is None


@dataclass
class Event:
    """One recorded event (after unique_id deduplication)."""

    metric: str
    profile_id: str
    email: str | None
    properties: dict
    time: datetime
    unique_id: str
    value: float | None = None
    value_currency: str | None = None


@dataclass
class ImportJob:
    """A bulk profile import; it runs when it is next read."""

    id: str
    profiles: list[dict]
    list_ids: list[str]
    created_at: datetime
    status: str = "queued"
    completed_count: int = 0
    failed_count: int = 0
    completed_at: datetime | None = None


class KlaviyoError(Exception):
    """An answer in Klaviyo's JSON:API error shape."""

    def __init__(self, status, code, detail, *, pointer=None, parameter=None, headers=None):
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.title = TITLES.get(code) or TITLES.get(status, "A server error occurred.")
        self.source = {"pointer": pointer, "parameter": parameter}
        self.headers = headers or {}

    def response(self) -> Response:
        """The error as Klaviyo sends it."""
        error = {
            "id": str(uuid4()),
            "status": self.status,
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
        }
        source = {name: value for name, value in self.source.items() if value is not None}
        if source:
            error["source"] = source
        return json_response(self.status, {"errors": [error]}, JSON_API, self.headers)


@functools.cache
def klaviyo_operations() -> dict[str, SpecOperation]:
    """The spec of each operation the fake serves, one document per operation."""
    found = {}
    for name in OPERATIONS:
        spec_file = f"klaviyo/{name}.json"
        for path, methods in load_spec(SPECS_DIR / spec_file)["paths"].items():
            for method in methods:
                found[name] = spec_operation(spec_file, path, method)
    return found


class KlaviyoFake(VendorFake):
    """Klaviyo's API for the given private keys and lists; the attributes are its state.

    `lists` maps list id to {"name": ..., "opt_in_process": "single_opt_in"|"double_opt_in"}.
    `rate_limits` overrides x-klaviyo-ratelimit per operation, in the spec's own notation,
    e.g. {"get_accounts": {"burst": "1/s", "steady": "2/m"}}.
    """

    def __init__(
        self,
        api_keys: Iterable[str] = ("pk_test",),
        lists: Mapping[str, Mapping] | None = None,
        rate_limits: Mapping[str, Mapping[str, str]] | None = None,
        organization_name: str = "Fake Store",
    ):
        super().__init__()
        self.api_keys = tuple(api_keys)
        self.organization_name = organization_name
        self.lists = {key: _new_list(key, spec) for key, spec in (lists or DEFAULT_LISTS).items()}
        # Keyed by lower-cased email; a profile without an email is keyed by its id.
        self.profiles: dict[str, Profile] = {}
        # Profile id -> the key it is stored under: a linear search per upsert made a
        # 100,000-profile import quadratic, and the fake the benchmark's bottleneck.
        self._stored_under: dict[str, str] = {}
        self.events: list[Event] = []
        self.import_jobs: dict[str, ImportJob] = {}
        self._ids = itertools.count(1)
        self._limiters = {
            name: SlidingWindowLimiter(limits) for name, limits in _limits(rate_limits).items()
        }
        self._routes = Map(
            [
                Rule(_rule_path(op.path), endpoint=name, methods=[op.method.upper()])
                for name, op in klaviyo_operations().items()
            ]
        )
        self._handlers: dict[str, Callable] = {
            "get_accounts": self._get_accounts,
            "get_lists": self._get_lists,
            "create_or_update_profile": self._create_or_update_profile,
            "get_profiles": self._get_profiles,
            "create_event": self._create_event,
            "bulk_create_events": self._bulk_create_events,
            "bulk_import_profiles": self._bulk_import_profiles,
            "get_bulk_import_profiles_job": self._get_bulk_import_profiles_job,
            "bulk_subscribe_profiles": self._bulk_subscribe_profiles,
            "bulk_unsubscribe_profiles": self._bulk_unsubscribe_profiles,
            "bulk_suppress_profiles": self._bulk_suppress_profiles,
        }

    # State a test reads or sets up.

    def profile(self, email: str) -> Profile | None:
        """The profile with this email (any case), or None."""
        with self.lock:
            return self.profiles.get(email.lower())

    def is_subscribed(self, email: str, list_id: str | None = None) -> bool:
        """Consented to email marketing, not suppressed, and (if given) on the list."""
        found = self.profile(email)
        if found is None or not found.can_receive_email:
            return False
        return list_id is None or list_id in found.lists

    def is_suppressed(self, email: str) -> bool:
        """Suppressed from email marketing for any reason."""
        found = self.profile(email)
        return found is not None and found.suppression is not None

    def suppress(
        self, email: str, reason: str = "UNSUBSCRIBE", at: datetime | None = None
    ) -> Profile:
        """As if the person unsubscribed (or bounced, etc.) inside Klaviyo, now or `at`."""
        if reason not in SUPPRESSION_REASONS:
            raise ValueError(f"unknown suppression reason {reason!r}")
        with self.lock:
            found, _ = self._upsert(None, {"email": email})
            moment = at or found.updated
            found.suppression = Suppression(reason, moment)
            if reason == "UNSUBSCRIBE":
                found.consent, found.consent_timestamp = UNSUBSCRIBED, moment
            return found

    def unsubscribe_from_list(self, email: str, list_id: str) -> None:
        """As if the person used one list's unsubscribe link, in an account whose global
        unsubscribe is off: a list suppression, and consent left as it was."""
        with self.lock:
            found, _ = self._upsert(None, {"email": email})
            found.lists.add(list_id)
            _unsubscribe(found, list_id)

    def confirm_double_opt_in(self, email: str, list_id: str) -> None:
        """As if the person clicked the confirmation email of a double opt-in list."""
        with self.lock:
            found = self.profiles[email.lower()]
            found.pending_lists.discard(list_id)
            found.lists.add(list_id)
            found.consent, found.consent_timestamp = SUBSCRIBED, _now()

    def events_for(self, email: str, metric: str | None = None) -> list[Event]:
        """Events recorded for this email, optionally of one metric."""
        with self.lock:
            return [
                event
                for event in self.events
                if (event.email or "").lower() == email.lower()
                and (metric is None or event.metric == metric)
            ]

    # The request pipeline.

    def handle(self, request: Request) -> Response:
        """Route, authenticate, check revision, throttle, check the body, answer."""
        try:
            name, path_args = self._route(request)
            key = self._authenticate(request)
            _check_revision(request)
            self._throttle(name, key)
            body = _body(request, name)
            status, document = self._handlers[name](request, body, **path_args)
            return _answer(klaviyo_operations()[name], status, document)
        except KlaviyoError as error:
            return error.response()

    def failure_response(self, failure: InjectedFailure) -> Response:
        """An injected failure as a JSON:API error (or an empty body)."""
        if failure.empty_body:
            return Response(b"", status=failure.status, headers=failure.headers)
        code = "throttled" if failure.status == 429 else "error"
        detail = f"Injected failure: HTTP {failure.status}."
        return KlaviyoError(failure.status, code, detail, headers=failure.headers).response()

    def _route(self, request: Request) -> tuple[str, dict]:
        try:
            return self._routes.bind("fake").match(request.path.rstrip("/"), request.method)
        except MethodNotAllowed as error:
            raise KlaviyoError(405, "method_not_allowed", str(error.description)) from error
        except HTTPException as error:
            raise KlaviyoError(404, "not_found", f"No route {request.path}.") from error

    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        if not header:
            raise KlaviyoError(401, "not_authenticated", "Missing or invalid private key.")
        if scheme != "Klaviyo-API-Key" or key not in self.api_keys:
            raise KlaviyoError(
                401, "authentication_failed", "Incorrect authentication credentials."
            )
        return key

    def _throttle(self, name: str, key: str) -> None:
        wait = self._limiters[name].admit(key)
        if wait:
            raise KlaviyoError(
                429,
                "throttled",
                f"Request was throttled. Expected available in {wait} second{'s' * (wait > 1)}.",
                headers={"Retry-After": str(wait)},
            )

    def _link(self, path: str) -> str:
        return f"{self.url}{path}"

    # Accounts and lists.

    def _get_accounts(self, request, body):
        account = {
            "type": "account",
            "id": ACCOUNT_ID,
            "attributes": {
                "test_account": True,
                "contact_information": {
                    "default_sender_name": self.organization_name,
                    "default_sender_email": "owner@example.com",
                    "website_url": "https://example.com",
                    "organization_name": self.organization_name,
                    "street_address": {"address1": "1 Main St", "city": "Boston", "zip": "02110"},
                },
                "industry": None,
                "timezone": "UTC",
                "preferred_currency": "USD",
                "public_api_key": "PuBlIc",
                "locale": "en-US",
            },
            "links": {"self": self._link(f"/api/accounts/{ACCOUNT_ID}/")},
        }
        return 200, {"data": [account], "links": {"self": request.url}}

    def _get_lists(self, request, body):
        return 200, self._collection(
            request, "get_lists", list(self.lists.values()), LIST_FIELDS, self._list_resource
        )

    def _list_resource(self, item: dict) -> dict:
        attributes = {
            "name": item["name"],
            "created": _iso(item["created"]),
            "updated": _iso(item["created"]),
            "opt_in_process": item["opt_in_process"],
        }
        return {
            "type": "list",
            "id": item["id"],
            "attributes": attributes,
            "links": {"self": self._link(f"/api/lists/{item['id']}/")},
        }

    def _require_lists(self, list_ids: Iterable[str], pointer: str) -> None:
        for list_id in list_ids:
            if list_id not in self.lists:
                raise KlaviyoError(
                    404, "not_found", f"List {list_id} does not exist.", pointer=pointer
                )

    # Profiles.

    def _create_or_update_profile(self, request, body):
        data = body["data"]
        found, created = self._upsert(data.get("id"), data["attributes"], data.get("meta"))
        document = {"data": self._profile_resource(request, found), "links": {"self": request.url}}
        return (201 if created else 200), document

    def _get_profiles(self, request, body):
        profiles = sorted(self.profiles.values(), key=lambda found: found.id)
        resource = functools.partial(self._profile_resource, request)
        return 200, self._collection(request, "get_profiles", profiles, PROFILE_FIELDS, resource)

    def _profile_resource(self, request: Request, found: Profile) -> dict:
        attributes = (
            {"email": found.email}
            | {name: found.attributes.get(name) for name in PROFILE_ATTRIBUTES}
            | {
                "properties": found.properties,
                "created": _iso(found.created),
                "updated": _iso(found.updated),
                "last_event_date": _iso(found.last_event_date),
            }
        )
        if "subscriptions" in _csv(request.args.get("additional-fields[profile]")):
            attributes["subscriptions"] = _subscriptions(found)
        wanted = {name.split(".")[0] for name in _csv(request.args.get("fields[profile]"))}
        if wanted:
            attributes = {name: value for name, value in attributes.items() if name in wanted}
        return {
            "type": "profile",
            "id": found.id,
            "attributes": attributes,
            "links": {"self": self._link(f"/api/profiles/{found.id}/")},
        }

    def _upsert(self, profile_id, attributes: dict, meta=None, pointer="/data/attributes"):
        """Find the profile by id or identifier and apply attributes; (profile, created)."""
        found = self._find(profile_id, attributes)
        created = found is None
        if created:
            _require_identifier(attributes, pointer)
            moment = _now()
            found = Profile(id=self._new_id(), email=None, created=moment, updated=moment)
        _apply(found, attributes, meta)
        self._store(found)
        return found, created

    def _find(self, profile_id, attributes: dict) -> Profile | None:
        if profile_id:
            found = self.profiles.get(self._stored_under.get(profile_id, ""))
            if found is not None and found.id == profile_id:
                return found
            raise KlaviyoError(404, "not_found", f"Profile {profile_id} does not exist.")
        email = attributes.get("email")
        if email and email.lower() in self.profiles:
            return self.profiles[email.lower()]
        for name in ("phone_number", "external_id"):
            value = attributes.get(name)
            for candidate in self.profiles.values() if value else ():
                if candidate.attributes.get(name) == value:
                    return candidate
        return None

    def _store(self, found: Profile) -> None:
        # An email change moves the profile to its new key.
        old_key = self._stored_under.get(found.id)
        if old_key is not None and self.profiles.get(old_key) is found:
            del self.profiles[old_key]
        key = found.email.lower() if found.email else found.id
        self.profiles[key] = found
        self._stored_under[found.id] = key

    def _new_id(self) -> str:
        # ULID-like and increasing, so sorting by id is sorting by creation, as in Klaviyo.
        return f"01KFAKE{next(self._ids):019d}"

    # Events.

    def _create_event(self, request, body):
        attributes = body["data"]["attributes"]
        profile_data = attributes["profile"]["data"]
        found, _ = self._upsert(
            profile_data.get("id"),
            profile_data.get("attributes") or {},
            profile_data.get("meta"),
            pointer="/data/attributes/profile/data/attributes",
        )
        self._record_event(attributes, found)
        return 202, None

    def _bulk_create_events(self, request, body):
        entries = body["data"]["attributes"]["events-bulk-create"]["data"]
        for index, entry in enumerate(entries):
            pointer = f"/data/attributes/events-bulk-create/data/{index}/attributes/profile"
            _require_identifier(entry["attributes"]["profile"]["data"]["attributes"], pointer)
        for entry in entries:
            profile_data = entry["attributes"]["profile"]["data"]
            found, _ = self._upsert(
                profile_data.get("id"), profile_data["attributes"], profile_data.get("meta")
            )
            for event in entry["attributes"]["events"]["data"]:
                self._record_event(event["attributes"], found)
        return 202, None

    def _record_event(self, attributes: dict, found: Profile) -> None:
        # Klaviyo keeps event times to the second.
        moment = (_parse_time(attributes.get("time")) or _now()).replace(microsecond=0)
        metric = attributes["metric"]["data"]["attributes"]["name"]
        # Without a unique_id Klaviyo dedupes on the time: one event per profile per second.
        unique_id = attributes.get("unique_id") or moment.isoformat()
        for event in self.events:
            if (event.metric, event.profile_id, event.unique_id) == (metric, found.id, unique_id):
                return
        self.events.append(
            Event(
                metric=metric,
                profile_id=found.id,
                email=found.email,
                properties=attributes.get("properties") or {},
                time=moment,
                unique_id=unique_id,
                value=attributes.get("value"),
                value_currency=attributes.get("value_currency"),
            )
        )
        found.last_event_date = max(moment, found.last_event_date or moment)

    # Bulk profile import, a job that runs when read.

    def _bulk_import_profiles(self, request, body):
        data = body["data"]
        profiles = data["attributes"]["profiles"]["data"]
        lists = (data.get("relationships") or {}).get("lists", {}).get("data", [])
        list_ids = [item["id"] for item in lists]
        self._require_lists(list_ids, "/data/relationships/lists/data")
        job = ImportJob(id=uuid4().hex, profiles=profiles, list_ids=list_ids, created_at=_now())
        self.import_jobs[job.id] = job
        return 202, {"data": self._job_resource(job), "links": {"self": request.url}}

    def _get_bulk_import_profiles_job(self, request, body, job_id: str):
        job = self.import_jobs.get(job_id)
        if job is None:
            raise KlaviyoError(404, "not_found", f"Import job {job_id} does not exist.")
        if job.status == "queued":
            self._run_import(job)
        return 200, {"data": self._job_resource(job), "links": {"self": request.url}}

    def _run_import(self, job: ImportJob) -> None:
        for item in job.profiles:
            try:
                found, _ = self._upsert(item.get("id"), item["attributes"], item.get("meta"))
            except KlaviyoError:
                job.failed_count += 1
                continue
            found.lists.update(job.list_ids)  # membership only: an import gives no consent
            job.completed_count += 1
        job.status, job.completed_at = "complete", _now()

    def _job_resource(self, job: ImportJob) -> dict:
        attributes = {
            "status": job.status,
            "created_at": _iso(job.created_at),
            "total_count": len(job.profiles),
            "completed_count": job.completed_count,
            "failed_count": job.failed_count,
            "started_at": _iso(job.completed_at),
            "completed_at": _iso(job.completed_at),
            "expires_at": None,
        }
        lists = [{"type": "list", "id": list_id} for list_id in job.list_ids]
        return {
            "type": "profile-bulk-import-job",
            "id": job.id,
            "attributes": attributes,
            "relationships": {"lists": {"data": lists}},
            "links": {"self": self._link(f"/api/profile-bulk-import-jobs/{job.id}/")},
        }

    # Consent: subscribe, unsubscribe, suppress.

    def _bulk_subscribe_profiles(self, request, body):
        data = body["data"]
        profiles = data["attributes"]["profiles"]["data"]
        list_id = _related_list(data)
        self._require_lists([list_id] if list_id else [], "/data/relationships/list/data/id")
        _require_identifiers(profiles)
        historical = bool(data["attributes"].get("historical_import"))
        if historical:
            _require_past_consent(profiles)
        for item in profiles:
            marketing = _email_marketing(item)
            if marketing is not None:
                found, _ = self._upsert(item.get("id"), _identifiers(item["attributes"]))
                consented_at = _parse_time(marketing.get("consented_at"))
                self._subscribe(found, list_id, consented_at, historical)
        return 202, None

    def _subscribe(self, found: Profile, list_id, consented_at, historical: bool) -> None:
        # Klaviyo: "This API will remove any UNSUBSCRIBE, SPAM_REPORT or USER_SUPPRESSED
        # suppressions from the provided profiles."
        if found.suppression and found.suppression.reason in CLEARED_BY_SUBSCRIBE:
            found.suppression = None
        if list_id:
            found.list_suppressions.pop(list_id, None)
        if list_id and self.lists[list_id]["opt_in_process"] == "double_opt_in" and not historical:
            found.pending_lists.add(list_id)  # consent waits for the confirmation email
            return
        found.consent, found.consent_timestamp = SUBSCRIBED, consented_at or _now()
        if list_id:
            found.lists.add(list_id)
            found.pending_lists.discard(list_id)

    def _bulk_unsubscribe_profiles(self, request, body):
        data = body["data"]
        profiles = data["attributes"]["profiles"]["data"]
        list_id = _related_list(data)
        self._require_lists([list_id] if list_id else [], "/data/relationships/list/data/id")
        _require_identifiers(profiles)
        for item in profiles:
            if _email_marketing(item) is not None:
                found, _ = self._upsert(None, _identifiers(item["attributes"]))
                _unsubscribe(found, list_id)
        return 202, None

    def _bulk_suppress_profiles(self, request, body):
        data = body["data"]
        profiles = ((data["attributes"].get("profiles") or {}).get("data")) or []
        emails = [item["attributes"]["email"] for item in profiles] + self._related_members(data)
        skipped = 0
        for email in emails:
            found, _ = self._upsert(None, {"email": email})
            if found.suppression is None:
                found.suppression = Suppression("USER_SUPPRESSED", _now())
            else:
                skipped += 1
        return 202, {"data": self._suppression_job(emails, skipped), "links": {"self": request.url}}

    def _related_members(self, data: dict) -> list[str]:
        relationships = data.get("relationships") or {}
        if "segment" in relationships:
            raise KlaviyoError(404, "not_found", "The fake has no segments.")
        list_id = (relationships.get("list") or {}).get("data", {}).get("id")
        if not list_id:
            return []
        self._require_lists([list_id], "/data/relationships/list/data/id")
        return [p.email for p in self.profiles.values() if list_id in p.lists and p.email]

    def _suppression_job(self, emails: list[str], skipped: int) -> dict:
        job_id, moment = uuid4().hex, _iso(_now())
        return {
            "type": "profile-suppression-bulk-create-job",
            "id": job_id,
            "attributes": {
                "status": "complete",
                "created_at": moment,
                "total_count": len(emails),
                "completed_count": len(emails) - skipped,
                "skipped_count": skipped,
                "completed_at": moment,
            },
            "links": {"self": self._link(f"/api/profile-suppression-bulk-create-jobs/{job_id}/")},
        }

    # Collections: filter, sort, page.

    def _collection(self, request, name, items, fields, resource) -> dict:
        spec = klaviyo_operations()[name]
        conditions = _filter(request, spec)
        chosen = [item for item in items if all(_holds(c, fields, item) for c in conditions)]
        chosen = _sorted(request, spec, chosen, fields)
        size, start = _page_size(request, spec), _page_offset(request)
        links = {"self": request.url}
        if start + size < len(chosen):
            links["next"] = self._page_link(request, start + size)
        if start > 0:
            links["prev"] = self._page_link(request, max(0, start - size))
        return {"data": [resource(item) for item in chosen[start : start + size]], "links": links}

    def _page_link(self, request: Request, offset: int) -> str:
        args = request.args.to_dict(flat=False) | {"page[cursor]": [_cursor(offset)]}
        return f"{self.url}{request.path}?{urlencode(args, doseq=True)}"


# Request parsing and answers.


def _check_revision(request: Request) -> None:
    revision = request.headers.get("revision")
    if not revision or not REVISION.match(revision):
        detail = "The revision header is required, as YYYY-MM-DD[.suffix]."
        raise KlaviyoError(400, "invalid", detail, parameter="revision")


def _body(request: Request, name: str):
    if request.method == "GET":
        return None
    raw = request.get_data()
    try:
        body = json.loads(raw or b"null")
    except ValueError as error:
        raise KlaviyoError(400, "parse_error", f"Malformed JSON body: {error}.") from error
    _check_limits(name, raw, body)
    problem = klaviyo_operations()[name].body_problem(body)
    if problem is not None:
        raise KlaviyoError(400, "invalid", problem.message, pointer=problem.pointer)
    return body


def _answer(spec: SpecOperation, status: int, document) -> Response:
    if document is None:
        return Response(b"", status=status)
    problem = spec.response_problem(status, document)
    if problem is not None:
        # A bug in the fake, not in the code under test: fail loudly and say where.
        detail = f"Fake bug: response breaks the spec at {problem.pointer}: {problem.message}"
        raise KlaviyoError(500, "error", detail)
    return json_response(status, document, JSON_API)


def _check_limits(name: str, raw: bytes, body) -> None:
    if len(raw) > MAX_BYTES.get(name, len(raw)):
        detail = f"The payload is larger than {MAX_BYTES[name]} bytes."
        raise KlaviyoError(413, "request_too_large", detail)
    pointer, limit = MAX_ITEMS.get(name, ("", None))
    count = _count(body, pointer.strip("/").split("/")) if limit else 0
    if limit and count > limit:
        detail = f"At most {limit} items per request at {pointer}; got {count}."
        raise KlaviyoError(400, "invalid", detail, pointer=pointer.split("/*")[0])


def _count(node, parts: list[str]) -> int:
    # Tolerant of any shape: the schema check that follows reports what is malformed.
    if not parts:
        return len(node) if isinstance(node, list) else 0
    head, rest = parts[0], parts[1:]
    if head == "*":
        return sum(_count(item, rest) for item in node) if isinstance(node, list) else 0
    return _count(node.get(head), rest) if isinstance(node, dict) else 0


def _require_identifier(attributes: dict, pointer: str) -> None:
    if not any(attributes.get(name) for name in IDENTIFIERS):
        detail = "One of email, phone_number, external_id, anonymous_id or id is required."
        raise KlaviyoError(400, "invalid", detail, pointer=pointer)


def _require_identifiers(profiles: list[dict]) -> None:
    # Checked for every profile first, so that a bad one leaves the others untouched.
    for index, item in enumerate(profiles):
        if not item.get("id"):
            _require_identifier(item["attributes"], f"{PROFILES}/{index}/attributes")


def _require_past_consent(profiles: list[dict]) -> None:
    # historical_import: "the consented_at field is required and must be in the past".
    for index, item in enumerate(profiles):
        marketing = _email_marketing(item)
        if marketing is None:
            continue
        consented_at = _parse_time(marketing.get("consented_at"))
        if consented_at is None or consented_at >= _now():
            pointer = (
                f"/data/attributes/profiles/data/{index}"
                "/attributes/subscriptions/email/marketing/consented_at"
            )
            detail = "consented_at is required, and in the past, for a historical import."
            raise KlaviyoError(400, "invalid", detail, pointer=pointer)


def _email_marketing(item: dict) -> dict | None:
    channels = item["attributes"].get("subscriptions") or {}
    return (channels.get("email") or {}).get("marketing")


def _identifiers(attributes: dict) -> dict:
    return {name: attributes[name] for name in ("email", "phone_number") if attributes.get(name)}


def _related_list(data: dict) -> str | None:
    return ((data.get("relationships") or {}).get("list") or {}).get("data", {}).get("id")


def _apply(found: Profile, attributes: dict, meta: dict | None) -> None:
    # A field sent as null is cleared; a field left out is left alone.
    for name, value in attributes.items():
        if name == "email":
            found.email = value
        elif name == "properties":
            found.properties = {} if value is None else found.properties | value
        elif name in PROFILE_ATTRIBUTES:
            found.attributes[name] = value
    _patch_properties(found.properties, ((meta or {}).get("patch_properties")) or {})
    found.updated = _now()


def _patch_properties(properties: dict, patch: dict) -> None:
    for key, value in (patch.get("append") or {}).items():
        properties[key] = _as_list(properties.get(key)) + _as_list(value)
    for key, value in (patch.get("unappend") or {}).items():
        properties[key] = [
            item for item in _as_list(properties.get(key)) if item not in _as_list(value)
        ]
    for key in _as_list(patch.get("unset")):
        properties.pop(key, None)


def _unsubscribe(found: Profile, list_id: str | None) -> None:
    moment = _now()
    if list_id and list_id in found.lists:
        found.lists.discard(list_id)
        found.list_suppressions[list_id] = Suppression("UNSUBSCRIBE", moment)
        return
    # "Profiles not in the specified list will be globally unsubscribed."
    found.consent, found.consent_timestamp = UNSUBSCRIBED, moment
    found.suppression = found.suppression or Suppression("UNSUBSCRIBE", moment)


def _subscriptions(found: Profile) -> dict:
    marketing = {
        "can_receive_email_marketing": found.can_receive_email,
        "consent": found.consent,
        "consent_timestamp": _iso(found.consent_timestamp),
        "last_updated": _iso(found.updated),
        "double_optin": bool(found.pending_lists) or None,
        "suppression": [_suppression(found.suppression)] if found.suppression else [],
        "list_suppressions": [
            _suppression(suppression) | {"list_id": list_id}
            for list_id, suppression in found.list_suppressions.items()
        ],
    }
    return {"email": {"marketing": marketing}}


def _suppression(suppression: Suppression) -> dict:
    return {"reason": suppression.reason, "timestamp": _iso(suppression.timestamp)}


def _new_list(list_id: str, spec: Mapping) -> dict:
    return {
        "id": list_id,
        "name": spec["name"],
        "opt_in_process": spec.get("opt_in_process", "single_opt_in"),
        "created": _now(),
    }


def _limits(overrides) -> dict[str, list[tuple[int, float]]]:
    unknown = set(overrides or {}) - set(OPERATIONS)
    if unknown:
        raise ValueError(f"no such Klaviyo operation: {sorted(unknown)}")
    limits = {}
    for name, spec in klaviyo_operations().items():
        rates = dict(spec.extension("x-klaviyo-ratelimit") or {}) | dict(
            (overrides or {}).get(name, {})
        )
        limits[name] = [window(rate) for rate in rates.values()]
    return limits


def _rule_path(path: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<\1>", path)


# Klaviyo's filter language: equals(email,"a@b.c"),greater-than(updated,2024-01-01T00:00:00Z)


def _present(value) -> list:
    return [] if value is None else [value]


PROFILE_FIELDS: dict[str, Callable[[Profile], list]] = {
    "id": lambda p: [p.id],
    "email": lambda p: _present(p.email and p.email.lower()),
    "phone_number": lambda p: _present(p.attributes.get("phone_number")),
    "external_id": lambda p: _present(p.attributes.get("external_id")),
    "_kx": lambda p: [],
    "created": lambda p: [p.created],
    "updated": lambda p: [p.updated],
    "subscriptions.email.marketing.suppression.reason": lambda p: _present(
        p.suppression and p.suppression.reason
    ),
    "subscriptions.email.marketing.suppression.timestamp": lambda p: _present(
        p.suppression and p.suppression.timestamp
    ),
    "subscriptions.email.marketing.list_suppressions.reason": lambda p: [
        s.reason for s in p.list_suppressions.values()
    ],
    "subscriptions.email.marketing.list_suppressions.timestamp": lambda p: [
        s.timestamp for s in p.list_suppressions.values()
    ],
    "subscriptions.email.marketing.list_suppressions.list_id": lambda p: list(p.list_suppressions),
}
LIST_FIELDS: dict[str, Callable[[dict], list]] = {
    "id": lambda item: [item["id"]],
    "name": lambda item: [item["name"]],
    "created": lambda item: [item["created"]],
    "updated": lambda item: [item["created"]],
}
COMPARISONS = {
    "equals": operator.eq,
    "any": lambda actual, wanted: actual in wanted,
    "greater-than": operator.gt,
    "greater-or-equal": operator.ge,
    "less-than": operator.lt,
    "less-or-equal": operator.le,
}
CALL = re.compile(r"^([a-z-]+)\((.*)\)$", re.DOTALL)


def parse_filter(text: str) -> list[tuple[str, str, object]]:
    """(operator, field, value) conditions, all of which must hold; and(...) is flattened."""
    conditions = []
    for part in _split_top_level(text):
        match = CALL.match(part)
        if match is None:
            raise ValueError(f"cannot read {part!r}")
        name, inner = match.groups()
        if name == "and":
            conditions += parse_filter(inner)
            continue
        arguments = _split_top_level(inner)
        if name not in COMPARISONS or len(arguments) != 2:
            raise ValueError(f"unsupported expression {part!r}")
        conditions.append((name, arguments[0], _filter_value(arguments[1])))
    return conditions


def _split_top_level(text: str) -> list[str]:
    parts, depth, quoted, start = [], 0, False, 0
    for index, char in enumerate(text):
        if char == '"' and text[index - 1 : index] != "\\":
            quoted = not quoted
        elif not quoted and char in "([":
            depth += 1
        elif not quoted and char in ")]":
            depth -= 1
        elif not quoted and char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _filter_value(text: str):
    if text.startswith("["):
        return [_filter_value(item) for item in _split_top_level(text[1:-1])]
    if text.startswith('"') or text in ("true", "false", "null"):
        return json.loads(text)
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        pass
    moment = _parse_time(text)
    if moment is None:
        raise ValueError(f"cannot read the value {text!r}")
    return moment


def _filter(request: Request, spec: SpecOperation) -> list[tuple[str, str, object]]:
    text = request.args.get("filter")
    if not text:
        return []
    try:
        conditions = parse_filter(text)
    except ValueError as error:
        raise KlaviyoError(
            400, "invalid", f"Invalid filter: {error}.", parameter="filter"
        ) from error
    allowed = spec.extension("x-klaviyo-filters") or {}
    for condition in conditions:
        _check_allowed(condition, allowed)
    return conditions


def _check_allowed(condition: tuple[str, str, object], allowed: dict) -> None:
    name, field_name, value = condition
    rule = allowed.get(field_name, {})
    form = "list" if isinstance(value, list) else "single"
    if name not in rule.get("operators", {}).get(form, []):
        detail = f"'{name}' with a {form} value is not allowed on '{field_name}'."
        raise KlaviyoError(400, "invalid", detail, parameter="filter")
    kind = datetime if rule.get("value", {}).get("format") == "date-time" else str
    if not all(isinstance(item, kind) for item in (value if form == "list" else [value])):
        detail = f"'{field_name}' takes {'a date-time' if kind is datetime else 'a string'}."
        raise KlaviyoError(400, "invalid", detail, parameter="filter")


def _holds(condition: tuple[str, str, object], fields: dict, item) -> bool:
    name, field_name, wanted = condition
    if field_name == "email":  # Klaviyo matches email addresses case-insensitively
        wanted = [w.lower() for w in wanted] if isinstance(wanted, list) else wanted.lower()
    compare = COMPARISONS["any" if isinstance(wanted, list) else name]
    return any(compare(actual, wanted) for actual in fields[field_name](item))


def _sorted(request: Request, spec: SpecOperation, items: list, fields: dict) -> list:
    sort = request.args.get("sort")
    if not sort:
        return items
    if sort not in _parameter(spec, "sort").get("enum", []):
        raise KlaviyoError(400, "invalid", f"Cannot sort by {sort!r}.", parameter="sort")
    values = fields[sort.lstrip("-")]
    present = [item for item in items if values(item)]
    present.sort(key=lambda item: values(item)[0], reverse=sort.startswith("-"))
    return present + [item for item in items if not values(item)]


def _page_size(request: Request, spec: SpecOperation) -> int:
    schema = _parameter(spec, "page[size]")
    size = request.args.get("page[size]", type=int, default=schema.get("default", 20))
    if not schema.get("minimum", 1) <= size <= schema.get("maximum", 100):
        detail = f"page[size] must be between {schema.get('minimum')} and {schema.get('maximum')}."
        raise KlaviyoError(400, "invalid", detail, parameter="page[size]")
    return size


def _page_offset(request: Request) -> int:
    cursor = request.args.get("page[cursor]")
    if not cursor:
        return 0
    # The SDK only unwraps https:// next-links, so a cursor can arrive as the whole link.
    if "?" in cursor:
        cursor = parse_qs(urlsplit(cursor).query).get("page[cursor]", [""])[0]
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode().removeprefix("offset:"))
    except ValueError as error:
        raise KlaviyoError(
            400, "invalid", "Invalid page cursor.", parameter="page[cursor]"
        ) from error


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _parameter(spec: SpecOperation, name: str) -> dict:
    for parameter in spec.operation.get("parameters", []):
        if parameter["name"] == name:
            return parameter.get("schema", {})
    return {}


def _csv(value: str | None) -> list[str]:
    return [item for item in (value or "").split(",") if item]


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
