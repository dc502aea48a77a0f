"""Mailchimp through its SDK, mailchimp-marketing: every call returns data or raises an Outcome.

The SDK never retries, raises ApiClientError (text is problem+json; status_code None for a
timeout or refused connection) and hands back the raw Response when an answer has an empty
body; all of them end as an Outcome here.
"""

import hashlib
import io
import json
import logging
import tarfile
from contextlib import nullcontext
from dataclasses import dataclass

import mailchimp_marketing
import requests
from mailchimp_marketing.api_client import ApiClientError
from redis import Redis

from app.failures import describe
from app.metrics import VENDOR_RATE_LIMITED
from app.sync.outcomes import DONE, SUPPRESSED, TRANSIENT, Outcome, by_status
from app.sync.platforms.base import PlatformError
from app.sync.platforms.rate_limits import MailchimpConnectionLimiter, RateLimited

log = logging.getLogger(__name__)
MERGE_FIELDS = {
    "COUPON": "Baton code",
    "PRIZE": "Baton prize",
    "CAMPAIGN": "Baton campaign",
    "ORDERS": "Shopify orders",
    "SPENT": "Shopify total spent",
    "LASTORDER": "Shopify last order",
    "POINTS": "Loyalty points",
    "NEXTREWARD": "Points to next reward",
    "TIER": "Loyalty tier",
    "REFERRAL": "Referral link",
}
TIMEOUT_SECONDS = 15
UNREACHABLE = "Mailchimp could not be reached (no answer from its servers)"
# Mailchimp's answer when a PUT would re-subscribe someone who unsubscribed or was cleaned.
COMPLIANCE_TITLE = "Member In Compliance State"


class MailchimpError(PlatformError):
    """A call that did not succeed; carries its Outcome."""


def server_of(api_key: str) -> str | None:
    """The data center a key belongs to: the part after its last dash (…-us21)."""
    _, dash, server = api_key.rpartition("-")
    return server if dash and server.isalnum() else None


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.lower().encode()).hexdigest()  # noqa: S324 - Mailchimp's id


class MailchimpAudience:
    """One shop's Mailchimp audience."""

    def __init__(self, api_key: str, list_id: str = "", host: str = "", redis: Redis | None = None):
        self.list_id = list_id
        self.calls = 0  # requests made, for progress and benchmarks
        self.limiter = MailchimpConnectionLimiter(redis, api_key) if redis is not None else None
        self.client = mailchimp_marketing.Client()
        self.client.set_config(
            {"api_key": api_key, "server": server_of(api_key) or "", "timeout": TIMEOUT_SECONDS}
        )
        if host:
            self.client.api_client.host = host

    def ping(self) -> None:
        """Check the key."""
        self._call(self.client.ping.get)

    def audience(self, list_id: str) -> dict:
        """The audience's name and whether it uses double opt-in."""
        found = self._call(self.client.lists.get_list, list_id)
        return {"name": found.get("name"), "double_optin": bool(found.get("double_optin"))}

    def audiences(self) -> list[dict]:
        """The account's audiences, for the picker: id, name, and whether it double opts in."""
        found = self._call(self.client.lists.get_all_lists, count=100)
        return [
            {
                "id": item["id"],
                "name": item.get("name"),
                "double_optin": bool(item.get("double_optin")),
            }
            for item in found.get("lists", [])
        ]

    def ensure_merge_fields(self) -> None:
        """The merge fields Baton fills (MERGE_FIELDS), created once per audience."""
        existing = self._call(self.client.lists.get_list_merge_fields, self.list_id, count=100)
        tags = {field["tag"] for field in existing.get("merge_fields", [])}
        for tag, name in MERGE_FIELDS.items():
            if tag not in tags:
                self._call(
                    self.client.lists.add_list_merge_field,
                    self.list_id,
                    {"tag": tag, "name": name, "type": "text", "public": False},
                )

    def upsert_lead(self, email: str, status_if_new: str, merge_fields: dict, tags: list[str]):
        """Add or update the member. Never sends `status`, so no one is re-subscribed."""
        self.send(lead_calls(email, status_if_new, merge_fields, tags))

    def upsert_profile(self, email: str, merge_fields: dict, tags: dict[str, bool]) -> None:
        """Update what the audience knows; a new member joins as transactional, never subscribed."""
        self.send(profile_calls(email, merge_fields, tags))

    def unsubscribe(self, email: str) -> None:
        """Record the address as unsubscribed, creating the member if needed."""
        self.send(unsubscribe_calls(email))

    def track_event(self, email: str, name: str, properties: dict) -> None:
        """A member event (for example started_checkout) that a customer journey can start on."""
        self.send(event_calls(email, name, properties))

    def add_members(self, members: list[dict]) -> dict[str, str]:
        """Batch subscribe up to 500 new members; existing members are left exactly as they are.

        Returns {email: error} for the members Mailchimp refused, other than "already a member".
        """
        answer = self._call(
            self.client.lists.batch_list_members,
            self.list_id,
            {"members": members, "update_existing": False},
        )
        return {
            error.get("email_address", ""): error.get("error", "")
            for error in answer.get("errors") or []
            if error.get("error_code") != "ERROR_CONTACT_EXISTS"
        }

    def send(self, calls: list["MemberCall"]) -> None:
        """Make each call now, through the SDK, stopping at the first failure."""
        sdk = {
            "member": self.client.lists.set_list_member,
            "tags": self.client.lists.update_list_member_tags,
            "events": self.client.lists.create_list_member_event,
        }
        for call in calls:
            self._call(sdk[call.resource], self.list_id, subscriber_hash(call.email), call.body)

    def start_batch(self, operations: list[tuple[str, "MemberCall"]]) -> str:
        """Send many calls as one batch operation; returns the batch id to collect results by.

        Each operation is (operation_id, call); the id comes back with that call's result.
        """
        batch = self._call(
            self.client.batches.start,
            {
                "operations": [
                    {
                        "method": call.method,
                        "path": call.path(self.list_id),
                        "body": json.dumps(call.body),
                        "operation_id": operation_id,
                    }
                    for operation_id, call in operations
                ]
            },
        )
        return batch["id"]

    def batch_results(self, batch_id: str) -> dict[str, Outcome] | None:
        """{operation_id: Outcome} once the batch has finished, None while it is still running."""
        batch = self._call(self.client.batches.status, batch_id)
        if batch.get("status") != "finished":
            return None
        try:
            # A pre-signed download: no key goes with it.
            self.calls += 1
            archive = requests.get(batch["response_body_url"], timeout=TIMEOUT_SECONDS)
            archive.raise_for_status()
            results = _archived_results(archive.content)
        except (requests.RequestException, tarfile.TarError, ValueError) as error:
            log.warning("could not read Mailchimp batch %s: %s", batch_id, describe(error))
            raise MailchimpError(
                by_status(0, "Mailchimp's batch results could not be read; Baton asks again")
            ) from error
        return {
            str(result.get("operation_id")): _result_outcome(result)
            for result in results
            if result.get("operation_id") is not None
        }

    def _call(self, method, *args, **kwargs):
        self.calls += 1
        try:
            with self.limiter.slot() if self.limiter is not None else nullcontext():
                answer = method(*args, **kwargs)
        except RateLimited as error:
            raise MailchimpError(
                Outcome(TRANSIENT, f"Mailchimp: {error}", retry_after=error.retry_after)
            ) from error
        except ApiClientError as error:
            if not error.status_code:
                # No answer at all. The merchant reads the detail on the sync page; the log
                # gets the host and the failure's class (its text holds the member's URL).
                cause = error.text if isinstance(error.text, BaseException) else error
                host = self.client.api_client.host
                log.warning("could not reach Mailchimp at %s: %s", host, type(cause).__name__)
                raise MailchimpError(by_status(0, UNREACHABLE)) from error
            if error.status_code == 429:
                VENDOR_RATE_LIMITED.labels("mailchimp").inc()
            raise MailchimpError(_outcome(error.status_code, error.text)) from error
        if isinstance(answer, requests.Response):
            if answer.ok:
                return {}
            raise MailchimpError(
                by_status(answer.status_code, f"Mailchimp {answer.status_code} (empty body)")
            )
        return answer


@dataclass(frozen=True)
class MemberCall:
    """One call about one member, made now through the SDK or later inside a batch."""

    method: str
    resource: str  # member, tags or events
    email: str
    body: dict

    def path(self, list_id: str) -> str:
        member = f"/lists/{list_id}/members/{subscriber_hash(self.email)}"
        return member if self.resource == "member" else f"{member}/{self.resource}"


def lead_calls(email: str, status_if_new: str, merge_fields: dict, tags: list[str]):
    """Upsert a lead, never sending `status`, so no one is re-subscribed; then tag it."""
    calls = [
        MemberCall(
            "PUT",
            "member",
            email,
            {"email_address": email, "status_if_new": status_if_new, "merge_fields": merge_fields},
        )
    ]
    if tags:
        tagged = {"tags": [{"name": tag, "status": "active"} for tag in tags]}
        calls.append(MemberCall("POST", "tags", email, tagged))
    return calls


def profile_calls(email: str, merge_fields: dict, tags: dict[str, bool]) -> list[MemberCall]:
    """A new member joins as transactional, never subscribed; tags move in and out."""
    member = {
        "email_address": email,
        "status_if_new": "transactional",
        "merge_fields": merge_fields,
    }
    tagged = {
        "tags": [
            {"name": name, "status": "active" if on else "inactive"} for name, on in tags.items()
        ]
    }
    return [MemberCall("PUT", "member", email, member), MemberCall("POST", "tags", email, tagged)]


def unsubscribe_calls(email: str) -> list[MemberCall]:
    body = {"email_address": email, "status_if_new": "unsubscribed", "status": "unsubscribed"}
    return [MemberCall("PUT", "member", email, body)]


def event_calls(email: str, name: str, properties: dict) -> list[MemberCall]:
    body = {"name": name, "properties": {k: str(v) for k, v in properties.items()}}
    return [MemberCall("POST", "events", email, body)]


def _archived_results(content: bytes) -> list[dict]:
    # The archive holds one or more JSON files, each a list of operation results.
    results = []
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        for entry in archive.getmembers():
            if entry.isfile() and entry.name.endswith(".json"):
                results.extend(json.load(archive.extractfile(entry)))
    return results


def _result_outcome(result: dict) -> Outcome:
    status = int(result.get("status_code") or 0)
    if 200 <= status < 300:
        return Outcome(DONE, status=status)
    return _outcome(status, result.get("response") or "")


def _outcome(status: int, text) -> Outcome:
    problem = _problem(text)
    title = problem.get("title") or ""
    detail = f"Mailchimp {status}: {title}: {problem.get('detail') or text}".strip()
    if status == 400 and title == COMPLIANCE_TITLE:
        return Outcome(SUPPRESSED, detail, status=status)
    return by_status(status, detail)


def _problem(text) -> dict:
    if isinstance(text, dict):
        return text
    try:
        parsed = json.loads(text)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}
