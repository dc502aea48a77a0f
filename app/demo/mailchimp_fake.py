"""A Mailchimp fake on loopback: the mailchimp-marketing SDK talks to it over HTTP.

    client = mailchimp_marketing.Client()
    client.set_config({"api_key": fake.api_key, "server": fake.dc})
    client.api_client.host = fake.url  # http://127.0.0.1:PORT/3.0

(The SDK replaces every "server" in the URL with the data center; harmless on 127.0.0.1.)

Request bodies are checked against ../shared/specs/mailchimp (Swagger 2 slices) and errors are
application/problem+json documents. Behaviour modelled on purpose:

- "Member In Compliance State": an address that unsubscribed, was cleaned, or was flagged by
  compliance review (`compliance(email)`) cannot be set to subscribed through PUT, PATCH or
  batch subscribe (400, or an error entry in a batch). An unsubscribed member may be set to
  pending, which makes Mailchimp email them a confirmation.
- PUT upserts, and status_if_new applies only to a new member: it never re-subscribes anyone.
- On a double opt-in list, a new member whose status_if_new is subscribed becomes pending.
- Merge tags the audience does not have are dropped; missing required ones are a 400.
- At most 10 simultaneous connections per API key (max_connections); beyond that, a 429.
- POST /batches queues operations; the first GET /batches/{id} runs them and reports them
  finished, with results as a gzipped tar at response_body_url, as Mailchimp serves them.

List webhooks (mailchimp-marketing-webhooks-asyncapi.yml). Mailchimp POSTs an
application/x-www-form-urlencoded form to the registered URL: `type` (subscribe, unsubscribe,
profile, cleaned, upemail, campaign), `fired_at` ("YYYY-MM-DD HH:MM:SS") and bracketed data
fields. For unsubscribe: data[action] (unsub), data[reason] (manual), data[id], data[list_id],
data[email], data[email_type], data[ip_opt], data[campaign_id], data[merges][EMAIL|FNAME|...];
subscribe carries the same identity fields plus data[ip_signup]. The file only constrains the
envelope of cleaned; Mailchimp's guide sends data[list_id], data[campaign_id], data[reason]
(hard or abuse) and data[email]. A delivery that fails or takes over 10 seconds is retried for
about 75 minutes, so receivers must be idempotent. The shared specs README says the forms are
unsigned; the AsyncAPI file also carries an optional `x-signature` extension (an
X-Mailchimp-Signature HMAC) that could not be confirmed, so do not rely on it: put a secret in
the webhook URL instead. `webhook_form()` builds these forms for app tests.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import tarfile
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from uuid import uuid4

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from app.demo.vendor_http import (
    ConnectionLimiter,
    InjectedFailure,
    VendorFake,
    json_response,
    spec_operation,
)

BASE_PATH = "/3.0"
PROBLEM_JSON = "application/problem+json"
APPLICATION_JSON = "application/json; charset=utf-8"
ERRORS_DOC = "https://mailchimp.com/developer/marketing/docs/errors/"
COMPLIANCE_TITLE = "Member In Compliance State"
INVALID_TITLE = "Invalid Resource"
MAX_BATCH_MEMBERS = 500  # POST /lists/{list_id}, per the list-id spec
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DEFAULT_LISTS = {"list1": {"name": "Newsletter", "double_optin": False}}
# The audience fields Mailchimp creates with every new audience.
DEFAULT_MERGE_FIELDS = (
    ("FNAME", "First Name", "text"),
    ("LNAME", "Last Name", "text"),
    ("ADDRESS", "Address", "address"),
    ("PHONE", "Phone Number", "phone"),
    ("BIRTHDAY", "Birthday", "birthday"),
)
MEMBERS_SPEC = "mailchimp/mailchimp-members-api-openapi.yml"
LISTS_SPEC = "mailchimp/mailchimp-list-id-api-openapi.yml"
BATCHES_SPEC = "mailchimp/mailchimp-batches-api-openapi.yml"
MEMBER = "/lists/{list_id}/members/{subscriber_hash}"
# (method, path as the spec writes it, handler `_<name>`, spec holding the operation or None)
ROUTES = (
    ("GET", "/ping", "ping", None),
    ("GET", "/lists", "get_all_lists", None),
    ("GET", "/lists/{list_id}", "get_list", LISTS_SPEC),
    ("POST", "/lists/{list_id}", "batch_list_members", LISTS_SPEC),
    ("GET", "/lists/{list_id}/merge-fields", "get_list_merge_fields", LISTS_SPEC),
    ("POST", "/lists/{list_id}/merge-fields", "add_list_merge_field", LISTS_SPEC),
    ("GET", MEMBER, "get_list_member", MEMBERS_SPEC),
    ("PUT", MEMBER, "set_list_member", MEMBERS_SPEC),
    ("PATCH", MEMBER, "update_list_member", MEMBERS_SPEC),
    ("POST", MEMBER + "/tags", "update_list_member_tags", MEMBERS_SPEC),
    ("POST", MEMBER + "/events", "create_list_member_event", MEMBERS_SPEC),
    ("POST", "/batches", "start_batch", BATCHES_SPEC),
    ("GET", "/batches/{batch_id}", "batch_status", BATCHES_SPEC),
)
WEBHOOK_DATA = {
    "subscribe": {"ip_opt": "10.20.10.30", "ip_signup": "10.20.10.30"},
    "unsubscribe": {"action": "unsub", "reason": "manual", "ip_opt": "10.20.10.30"},
    "profile": {"ip_opt": "10.20.10.30"},
    "cleaned": {"reason": "hard", "campaign_id": "cb398d21d2"},
}


def subscriber_hash(email: str) -> str:
    """Mailchimp's member id: the MD5 of the lower-cased address."""
    return hashlib.md5(email.lower().encode()).hexdigest()  # noqa: S324 - Mailchimp's id


def webhook_form(type: str, email: str, list_id: str, **data) -> dict[str, str]:
    """The form Mailchimp POSTs to a list webhook for this event (see the module docstring).

    Keyword arguments add or replace data[...] fields; merges={"FNAME": "Ann"} becomes
    data[merges][FNAME].
    """
    if type not in WEBHOOK_DATA:
        raise ValueError(f"no webhook form for {type!r}; known: {sorted(WEBHOOK_DATA)}")
    fields = {"list_id": list_id, "email": email} | WEBHOOK_DATA[type]
    if type != "cleaned":
        fields |= {"id": subscriber_hash(email)[:10], "email_type": "html"}
        fields |= {"merges": {"EMAIL": email}}
    fields |= data
    form = {"type": type, "fired_at": _now().strftime("%Y-%m-%d %H:%M:%S")}
    for name, value in fields.items():
        if isinstance(value, Mapping):
            form |= {f"data[{name}][{key}]": str(item) for key, item in value.items()}
        else:
            form[f"data[{name}]"] = str(value)
    return form


@dataclass
class Member:
    """One address on one audience."""

    email_address: str
    status: str
    web_id: int
    merge_fields: dict = field(default_factory=dict)
    tags: set[str] = field(default_factory=set)
    events: list[dict] = field(default_factory=list)
    interests: dict = field(default_factory=dict)
    language: str = ""
    vip: bool = False
    email_type: str = "html"
    ip_signup: str = ""
    timestamp_signup: str = ""
    unsubscribe_reason: str | None = None
    last_changed: datetime = field(default_factory=lambda: _now())

    @property
    def id(self) -> str:
        """The subscriber hash."""
        return subscriber_hash(self.email_address)


@dataclass
class Audience:
    """A list (audience): its settings, merge fields and members by subscriber hash."""

    id: str
    name: str
    double_optin: bool
    web_id: int
    created: datetime = field(default_factory=lambda: _now())
    members: dict[str, Member] = field(default_factory=dict)
    merge_fields: dict[str, dict] = field(default_factory=dict)
    tag_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class Batch:
    """A POST /batches request; its operations run when its status is first read."""

    id: str
    operations: list[dict]
    submitted_at: datetime
    status: str = "pending"
    results: list[dict] = field(default_factory=list)
    completed_at: datetime | None = None


class MailchimpProblem(Exception):
    """An answer in Mailchimp's problem+json shape; `errors` lists field-level problems."""

    def __init__(self, status, title, detail, *, errors=None, error_code="ERROR_GENERIC"):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors or []
        self.error_code = error_code  # how a batch subscribe reports it
        self.headers: dict[str, str] = {}

    def document(self) -> dict:
        """The problem+json document."""
        document = {
            "type": ERRORS_DOC,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": str(uuid4()),
        }
        return document | ({"errors": self.errors} if self.errors else {})

    def response(self) -> Response:
        """The problem as Mailchimp sends it."""
        return json_response(self.status, self.document(), PROBLEM_JSON, self.headers)


class MailchimpFake(VendorFake):
    """Mailchimp's Marketing API for one API key; the attributes are its state.

    `lists` maps list id to {"name": ..., "double_optin": bool}.
    """

    base_path = BASE_PATH

    def __init__(
        self,
        api_key: str = "key-us1",
        lists: Mapping[str, Mapping] | None = None,
        max_connections: int = 10,
    ):
        super().__init__()
        _, dash, dc = api_key.rpartition("-")
        if not dash or not dc:
            raise ValueError("a Mailchimp API key ends in -<data center>, such as -us1")
        self.api_key, self.dc = api_key, dc
        self._web_ids = itertools.count(1001)
        self.lists = {
            list_id: self._new_audience(list_id, spec)
            for list_id, spec in (lists or DEFAULT_LISTS).items()
        }
        self.compliance_emails: set[str] = set()
        self.batches: dict[str, Batch] = {}
        self._connections = ConnectionLimiter(max_connections)
        self._routes = Map(
            [
                Rule(_rule_path(path), endpoint=name, methods=[verb])
                for verb, path, name, _ in ROUTES
            ]
        )
        self._specs = {
            name: spec_operation(spec, path, verb.lower())
            for verb, path, name, spec in ROUTES
            if spec
        }
        self._handlers = {name: getattr(self, f"_{name}") for _, _, name, _ in ROUTES}

    # State a test reads or sets up.

    def member(self, list_id: str, email: str) -> Member | None:
        """The member with this address on the list, or None."""
        with self.lock:
            return self.lists[list_id].members.get(subscriber_hash(email))

    def status(self, list_id: str, email: str) -> str | None:
        """The member's status (subscribed, pending, unsubscribed, cleaned...), or None."""
        found = self.member(list_id, email)
        return found.status if found else None

    def compliance(self, email: str) -> None:
        """Flag an address as under compliance review: no list may subscribe it again."""
        with self.lock:
            self.compliance_emails.add(email.lower())

    def unsubscribe(self, list_id: str, email: str) -> dict[str, str]:
        """As if the person unsubscribed in Mailchimp; returns the webhook form it sends."""
        self._set_by_person(list_id, email, "unsubscribed", "N/A (Unsubscribed by the contact)")
        return webhook_form("unsubscribe", email, list_id)

    def clean(self, list_id: str, email: str) -> dict[str, str]:
        """As if the address hard-bounced; returns the webhook form Mailchimp sends."""
        self._set_by_person(list_id, email, "cleaned", None)
        return webhook_form("cleaned", email, list_id)

    def _set_by_person(self, list_id: str, email: str, status: str, reason: str | None) -> None:
        with self.lock:
            found = self.lists[list_id].members[subscriber_hash(email)]
            found.status, found.unsubscribe_reason, found.last_changed = status, reason, _now()

    # The request pipeline.

    @contextmanager
    def admit(self, request: Request) -> Iterator[Response | None]:
        """Hold one of the key's connection slots while the request is answered."""
        credentials = request.authorization
        key = (credentials.password or "") if credentials else ""
        with self._connections.slot(key) as admitted:
            if admitted:
                yield None
                return
            detail = (
                f"You have exceeded the limit of {self._connections.limit} simultaneous "
                "connections."
            )
            problem = MailchimpProblem(429, "Too Many Requests", detail)
            problem.headers["Retry-After"] = "1"
            yield problem.response()

    def handle(self, request: Request) -> Response:
        """Authenticate, then route and answer under /3.0; batch results need no key."""
        if request.path.startswith("/batch-results/"):
            return self._batch_archive(request.path)  # a pre-signed download: no API key
        try:
            self._authenticate(request)
            if not request.path.startswith(BASE_PATH + "/"):
                raise _not_found()
            path = request.path.removeprefix(BASE_PATH)
            status, payload = self._perform(request.method, path, request.args, request.get_data())
        except MailchimpProblem as problem:
            return problem.response()
        if payload is None:
            return Response(b"", status=status)
        return json_response(status, payload, APPLICATION_JSON)

    def failure_response(self, failure: InjectedFailure) -> Response:
        """An injected failure as problem+json (or an empty body)."""
        if failure.empty_body:
            return Response(
                b"", status=failure.status, content_type=PROBLEM_JSON, headers=failure.headers
            )
        detail = f"Injected failure: HTTP {failure.status}."
        problem = MailchimpProblem(failure.status, _phrase(failure.status), detail)
        problem.headers |= failure.headers
        return problem.response()

    def _authenticate(self, request: Request) -> None:
        credentials = request.authorization
        if credentials is None or credentials.type != "basic":
            raise MailchimpProblem(
                401, "API Key Missing", "Your request did not include an API key."
            )
        if credentials.password != self.api_key:
            detail = (
                "Your API key may be invalid, or you've attempted to access the wrong datacenter."
            )
            raise MailchimpProblem(401, "API Key Invalid", detail)

    def _perform(self, method: str, path: str, args: MultiDict, raw: bytes):
        """Route, check the body, answer: (status, payload). Batches run operations here too."""
        try:
            name, path_args = self._routes.bind("fake").match(path.rstrip("/"), method)
        except MethodNotAllowed as error:
            detail = f"{method} is not allowed on {path}."
            raise MailchimpProblem(405, "Method Not Allowed", detail) from error
        except HTTPException as error:
            raise _not_found() from error
        spec = self._specs.get(name)
        body = _body(raw, spec) if method in ("POST", "PUT", "PATCH") else None
        status, payload = self._handlers[name](args, body, **path_args)
        _check_response(spec, status, payload)
        return status, payload

    # Account and lists.

    def _ping(self, args, body):
        return 200, {"health_status": "Everything's Chimpy!"}

    def _get_all_lists(self, args, body):
        found = [self._list_json(audience) for audience in self.lists.values()]
        return 200, {"lists": found, "total_items": len(found), "_links": []}

    def _get_list(self, args, body, list_id):
        return 200, self._list_json(self._audience(list_id))

    def _list_json(self, audience: Audience) -> dict:
        counts = Counter(found.status for found in audience.members.values())
        return {
            "id": audience.id,
            "web_id": audience.web_id,
            "name": audience.name,
            "contact": {"company": "Fake Store", "address1": "1 Main St", "city": "Boston"},
            "permission_reminder": "You signed up on our store.",
            "use_archive_bar": False,
            "campaign_defaults": {"from_name": "Fake Store", "from_email": "owner@example.com"},
            "date_created": _iso(audience.created),
            "list_rating": 0,
            "email_type_option": False,
            "subscribe_url_short": f"http://eepurl.com/{audience.id}",
            "visibility": "prv",
            "double_optin": audience.double_optin,
            "has_welcome": False,
            "marketing_permissions": False,
            "modules": [],
            "stats": {
                "member_count": counts["subscribed"],
                "unsubscribe_count": counts["unsubscribed"],
                "cleaned_count": counts["cleaned"],
                "total_contacts": len(audience.members),
                "merge_field_count": len(audience.merge_fields),
            },
            "_links": [],
        }

    def _audience(self, list_id: str) -> Audience:
        if list_id not in self.lists:
            raise _not_found()
        return self.lists[list_id]

    def _new_audience(self, list_id: str, spec: Mapping) -> Audience:
        audience = Audience(
            list_id, spec["name"], bool(spec.get("double_optin")), next(self._web_ids)
        )
        for tag, name, kind in DEFAULT_MERGE_FIELDS:
            _add_merge_field(audience, {"tag": tag, "name": name, "type": kind})
        return audience

    # Merge fields.

    def _get_list_merge_fields(self, args, body, list_id):
        audience = self._audience(list_id)
        offset, count = args.get("offset", 0, type=int), args.get("count", 10, type=int)
        fields = list(audience.merge_fields.values())[offset : offset + count]
        total = len(audience.merge_fields)
        return 200, {"merge_fields": fields, "list_id": list_id, "total_items": total, "_links": []}

    def _add_list_merge_field(self, args, body, list_id):
        audience = self._audience(list_id)
        tag = (body.get("tag") or f"MMERGE{len(audience.merge_fields) + 1}").upper()
        if tag in audience.merge_fields:
            detail = f'A Merge Field with the tag "{tag}" already exists for this list.'
            raise MailchimpProblem(400, INVALID_TITLE, detail, errors=[_error("tag", detail)])
        if len(tag) > 10:
            detail = "A merge tag is at most 10 characters."
            raise MailchimpProblem(400, INVALID_TITLE, detail, errors=[_error("tag", detail)])
        return 200, _add_merge_field(audience, body | {"tag": tag})

    # Members.

    def _get_list_member(self, args, body, list_id, subscriber_hash):
        audience = self._audience(list_id)
        return 200, self._member_json(audience, _existing(audience, subscriber_hash))

    def _set_list_member(self, args, body, list_id, subscriber_hash):
        audience = self._audience(list_id)
        email = body["email_address"]
        _check_email(email)
        _check_hash(subscriber_hash, email)
        found = audience.members.get(_member_key(email))
        if found is None:
            status = body.get("status") or _status_if_new(audience, body["status_if_new"])
            found = self._create_member(audience, email, status, body, args)
        else:
            self._update_member(audience, found, body, args)
        return 200, self._member_json(audience, found)

    def _update_list_member(self, args, body, list_id, subscriber_hash):
        audience = self._audience(list_id)
        found = _existing(audience, subscriber_hash)
        email = body.get("email_address")
        if email and email.lower() != found.email_address.lower():
            _check_email(email)
            del audience.members[found.id]
            found.email_address = email
            audience.members[found.id] = found
        self._update_member(audience, found, body, args)
        return 200, self._member_json(audience, found)

    def _create_member(self, audience, email, status, body, args) -> Member:
        self._refuse_compliance(email, None, status)
        found = Member(email_address=email, status=status, web_id=next(self._web_ids))
        found.timestamp_signup = _iso(_now())
        _apply_member_fields(audience, found, body, _flag(args, "skip_merge_validation"))
        audience.members[found.id] = found
        return found

    def _update_member(self, audience, found: Member, body: dict, args) -> None:
        wanted = body.get("status")
        if wanted and wanted != found.status:
            self._refuse_compliance(found.email_address, found.status, wanted)
        _apply_member_fields(audience, found, body, _flag(args, "skip_merge_validation"))
        if wanted and wanted != found.status:
            found.status = wanted
            if wanted == "unsubscribed":
                found.unsubscribe_reason = "N/A (Unsubscribed by an admin)"

    def _refuse_compliance(self, email: str, current: str | None, wanted: str) -> None:
        # Only the person can opt back in after an unsubscribe (pending sends them a
        # confirmation email); a cleaned or flagged address cannot be subscribed at all.
        if wanted not in ("subscribed", "pending"):
            return
        flagged = email.lower() in self.compliance_emails
        if (
            flagged
            or current == "cleaned"
            or (current == "unsubscribed" and wanted == "subscribed")
        ):
            detail = (
                f"{email} is in a compliance state due to unsubscribe, bounce, or compliance "
                "review and cannot be subscribed."
            )
            raise MailchimpProblem(400, COMPLIANCE_TITLE, detail)

    def _update_list_member_tags(self, args, body, list_id, subscriber_hash):
        audience = self._audience(list_id)
        found = _existing(audience, subscriber_hash)
        for tag in body["tags"]:
            if tag["status"] == "active":
                audience.tag_ids.setdefault(tag["name"], len(audience.tag_ids) + 1)
                found.tags.add(tag["name"])
            else:
                found.tags.discard(tag["name"])
        return 204, None

    def _create_list_member_event(self, args, body, list_id, subscriber_hash):
        found = _existing(self._audience(list_id), subscriber_hash)
        if not 2 <= len(body["name"]) <= 30:
            detail = "An event name is 2 to 30 characters long."
            raise MailchimpProblem(400, INVALID_TITLE, detail, errors=[_error("name", detail)])
        event = {"occurred_at": _iso(_now()), "properties": {}, "is_syncing": False} | body
        found.events.append(event)
        return 204, None

    def _member_json(self, audience: Audience, found: Member) -> dict:
        names = (found.merge_fields.get("FNAME"), found.merge_fields.get("LNAME"))
        document = {
            "id": found.id,
            "email_address": found.email_address,
            "unique_email_id": found.id[:10],
            "contact_id": found.id,
            "full_name": " ".join(name for name in names if name),
            "web_id": found.web_id,
            "email_type": found.email_type,
            "status": found.status,
            "merge_fields": {tag: found.merge_fields.get(tag, "") for tag in audience.merge_fields},
            "interests": found.interests,
            "stats": {"avg_open_rate": 0, "avg_click_rate": 0},
            "ip_signup": found.ip_signup,
            "timestamp_signup": found.timestamp_signup,
            "member_rating": 2,
            "last_changed": _iso(found.last_changed),
            "language": found.language,
            "vip": found.vip,
            "source": "API - Generic",
            "tags_count": len(found.tags),
            "tags": [{"id": audience.tag_ids[name], "name": name} for name in sorted(found.tags)],
            "list_id": audience.id,
            "_links": [],
        }
        if found.unsubscribe_reason:
            document["unsubscribe_reason"] = found.unsubscribe_reason
        return document

    # Batch subscribe: POST /lists/{list_id}.

    def _batch_list_members(self, args, body, list_id):
        audience = self._audience(list_id)
        members = body["members"]
        if len(members) > MAX_BATCH_MEMBERS:
            detail = f"At most {MAX_BATCH_MEMBERS} members per request; got {len(members)}."
            raise MailchimpProblem(400, INVALID_TITLE, detail, errors=[_error("members", detail)])
        created, updated, errors = [], [], []
        for item in members:
            try:
                found, is_new = self._batch_member(audience, item, body, args)
            except MailchimpProblem as problem:
                errors.append(_batch_error(item, problem))
                continue
            (created if is_new else updated).append(self._member_json(audience, found))
        return 200, {
            "new_members": created,
            "updated_members": updated,
            "errors": errors,
            "total_created": len(created),
            "total_updated": len(updated),
            "error_count": len(errors),
            "_links": [],
        }

    def _batch_member(self, audience, item: dict, body: dict, args) -> tuple[Member, bool]:
        email = item.get("email_address") or ""
        _check_email(email)
        found = audience.members.get(_member_key(email))
        if found is None:
            if not item.get("status"):
                detail = "status: This value should not be blank."
                raise MailchimpProblem(
                    400, INVALID_TITLE, detail, errors=[_error("status", detail)]
                )
            status = _status_if_new(audience, item["status"])
            return self._create_member(audience, email, status, item, args), True
        if not body.get("update_existing"):
            detail = f"{email} is already a list member. Use PUT to insert or update list members."
            raise MailchimpProblem(400, "Member Exists", detail, error_code="ERROR_CONTACT_EXISTS")
        self._update_member(audience, found, item, args)
        return found, False

    # Batch operations: POST /batches, GET /batches/{id}.

    def _start_batch(self, args, body):
        batch = Batch(id=uuid4().hex[:10], operations=body["operations"], submitted_at=_now())
        self.batches[batch.id] = batch
        return 200, self._batch_json(batch)

    def _batch_status(self, args, body, batch_id):
        batch = self.batches.get(batch_id)
        if batch is None:
            raise _not_found()
        if batch.status == "pending":
            self._run_batch(batch)
        return 200, self._batch_json(batch)

    def _run_batch(self, batch: Batch) -> None:
        for operation in batch.operations:
            params = {name: str(value) for name, value in (operation.get("params") or {}).items()}
            raw = (operation.get("body") or "").encode()
            path = operation["path"].removeprefix(BASE_PATH)
            try:
                status, payload = self._perform(operation["method"], path, MultiDict(params), raw)
            except MailchimpProblem as problem:
                status, payload = problem.status, problem.document()
            batch.results.append(
                {
                    "status_code": status,
                    "operation_id": operation.get("operation_id"),
                    "response": "" if payload is None else json.dumps(payload),
                }
            )
        batch.status, batch.completed_at = "finished", _now()

    def _batch_json(self, batch: Batch) -> dict:
        finished = batch.status == "finished"
        return {
            "id": batch.id,
            "status": batch.status,
            "total_operations": len(batch.operations),
            "finished_operations": len(batch.results),
            "errored_operations": sum(result["status_code"] >= 400 for result in batch.results),
            "submitted_at": _iso(batch.submitted_at),
            "completed_at": _iso(batch.completed_at) or "",
            "response_body_url": f"{self.server_url}/batch-results/{batch.id}.tar.gz"
            if finished
            else "",
            "_links": [],
        }

    def _batch_archive(self, path: str) -> Response:
        batch = self.batches.get(path.removeprefix("/batch-results/").removesuffix(".tar.gz"))
        if batch is None or batch.status != "finished":
            return Response(b"", status=404)
        payload = json.dumps(batch.results).encode()
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            entry = tarfile.TarInfo(f"{batch.id}.json")
            entry.size = len(payload)
            archive.addfile(entry, io.BytesIO(payload))
        return Response(buffer.getvalue(), content_type="application/x-gzip")


def _body(raw: bytes, spec):
    try:
        body = json.loads(raw or b"null")
    except ValueError as error:
        detail = "We encountered an unspecified JSON parsing error."
        raise MailchimpProblem(400, "JSON Parse Exception", detail) from error
    problem = spec.body_problem(body) if spec else None
    if problem is not None:
        detail = (
            "The resource submitted could not be validated. "
            "For field-specific details, see the 'errors' array."
        )
        field_name = problem.pointer.strip("/").replace("/", ".")
        raise MailchimpProblem(
            400, INVALID_TITLE, detail, errors=[_error(field_name, problem.message)]
        )
    return body


def _check_response(spec, status: int, payload) -> None:
    problem = spec.response_problem(status, payload) if spec and payload is not None else None
    if problem is not None:
        # A bug in the fake, not in the code under test: fail loudly and say where.
        detail = f"Fake bug: response breaks the spec at {problem.pointer}: {problem.message}"
        raise MailchimpProblem(500, "Internal Server Error", detail)


def _add_merge_field(audience: Audience, spec: dict) -> dict:
    merge_field = {
        "merge_id": len(audience.merge_fields) + 1,
        "tag": spec["tag"],
        "name": spec["name"],
        "type": spec["type"],
        "required": spec.get("required", False),
        "default_value": spec.get("default_value", ""),
        "public": spec.get("public", True),
        "display_order": spec.get("display_order", len(audience.merge_fields) + 2),
        "options": spec.get("options", {}),
        "help_text": spec.get("help_text", ""),
        "list_id": audience.id,
        "_links": [],
    }
    audience.merge_fields[spec["tag"]] = merge_field
    return merge_field


def _apply_member_fields(audience: Audience, found: Member, body: dict, skip_merge_validation):
    # Mailchimp drops merge tags the audience does not have.
    given = {
        tag.upper(): value
        for tag, value in (body.get("merge_fields") or {}).items()
        if tag.upper() in audience.merge_fields
    }
    merged = found.merge_fields | given
    missing = [
        tag
        for tag, merge_field in audience.merge_fields.items()
        if merge_field["required"] and merged.get(tag) in (None, "")
    ]
    if missing and not skip_merge_validation:
        errors = [_error(tag, "Please enter a value") for tag in missing]
        raise MailchimpProblem(400, INVALID_TITLE, "Your merge fields were invalid.", errors=errors)
    found.merge_fields = merged
    found.interests |= body.get("interests") or {}
    for name in ("language", "vip", "email_type", "ip_signup", "timestamp_signup"):
        if name in body:
            setattr(found, name, body[name])
    found.last_changed = _now()


def _status_if_new(audience: Audience, status: str) -> str:
    return "pending" if status == "subscribed" and audience.double_optin else status


def _existing(audience: Audience, hash_or_email: str) -> Member:
    found = audience.members.get(_member_key(hash_or_email))
    if found is None:
        raise _not_found()
    return found


def _member_key(hash_or_email: str) -> str:
    # The path takes the MD5 of the lower-cased address, or the address itself.
    return subscriber_hash(hash_or_email) if "@" in hash_or_email else hash_or_email.lower()


def _check_hash(hash_or_email: str, email: str) -> None:
    if _member_key(hash_or_email) != subscriber_hash(email):
        detail = "The subscriber hash in the URL does not match the email_address in the body."
        raise MailchimpProblem(400, INVALID_TITLE, detail, errors=[_error("email_address", detail)])


def _check_email(email: str) -> None:
    if not EMAIL.match(email):
        detail = f"{email} looks fake or invalid, please enter a real email address."
        raise MailchimpProblem(400, INVALID_TITLE, detail, errors=[_error("email_address", detail)])


def _batch_error(item: dict, problem: MailchimpProblem) -> dict:
    first = problem.errors[0] if problem.errors else {}
    return {
        "email_address": item.get("email_address") or "",
        "error": problem.detail,
        "error_code": problem.error_code,
        "field": first.get("field", ""),
        "field_message": first.get("message", ""),
    }


def _error(field_name: str, message: str) -> dict:
    return {"field": field_name, "message": message}


def _not_found() -> MailchimpProblem:
    return MailchimpProblem(404, "Resource Not Found", "The requested resource could not be found.")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # 5xx codes outside the standard, such as Cloudflare's 524
        return "Error"


def _flag(args: MultiDict, name: str) -> bool:
    return str(args.get(name, "")).lower() == "true"


def _rule_path(path: str) -> str:
    return re.sub(r"\{(\w+)\}", r"<\1>", path)


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None
