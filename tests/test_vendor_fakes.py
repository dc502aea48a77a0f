"""The Klaviyo and Mailchimp fakes, driven through the vendors' own SDKs over loopback HTTP."""

import io
import json
import re
import tarfile
import threading
import time
from datetime import UTC, datetime, timedelta

import mailchimp_marketing
import pytest
import requests
from jsonschema import Draft202012Validator
from klaviyo_api import KlaviyoAPI
from klaviyo_api.filter_builder import FilterBuilder
from mailchimp_marketing.api_client import ApiClientError
from openapi_client.api_arg_options import USE_DICTIONARY_FOR_RESPONSE_DATA
from openapi_client.exceptions import ApiException
from urllib3.exceptions import MaxRetryError, ReadTimeoutError

from app.demo.klaviyo_fake import KlaviyoFake
from app.demo.mailchimp_fake import COMPLIANCE_TITLE, MailchimpFake, subscriber_hash, webhook_form
from app.demo.vendor_http import SPECS_DIR, SlidingWindowLimiter, json_schema, load_spec

KEY = "pk_test"
MAILCHIMP_KEY = "0123456789abcdef0123456789abcdef-us1"
LIST_ID, DOI_LIST = "list1", "doi1"


@pytest.fixture(scope="module", autouse=True)
def sdks_and_specs_loaded():
    """Pay the one-time costs (the SDK's large API modules, the YAML specs) outside any test."""
    sdk = KlaviyoAPI(KEY)
    assert sdk.Profiles and sdk.Events and sdk.Lists and sdk.Accounts
    MailchimpFake()  # builds its spec validators; the server only starts with `with`


# Klaviyo


@pytest.fixture
def klaviyo_fake():
    lists = {
        LIST_ID: {"name": "Newsletter"},
        DOI_LIST: {"name": "Confirmed", "opt_in_process": "double_opt_in"},
    }
    with KlaviyoFake(api_keys=(KEY,), lists=lists) as fake:
        yield fake


def klaviyo_sdk(fake: KlaviyoFake, key=KEY, attempts=3, dictionaries=True) -> KlaviyoAPI:
    """The SDK as the app builds it, with backoff short enough for tests."""
    options = {USE_DICTIONARY_FOR_RESPONSE_DATA: True} if dictionaries else {}
    return KlaviyoAPI(
        key, max_delay=0.05, max_retries=attempts, test_host=fake.url, options=options
    )


def send_unchecked(serializer, body: dict, **params):
    """Send a body through the SDK's own HTTP layer, past its client-side model check."""
    api_client = serializer.__self__.api_client
    unset = {"_request_auth": None, "_content_type": None, "_headers": None, "_host_index": 0}
    response = api_client.call_api(*serializer(body, **params, **unset))
    response.read()
    types = {"202": None, "4XX": "GetAccounts4XXResponse", "5XX": "GetAccounts4XXResponse"}
    return api_client.response_deserialize(response, types)


def klaviyo_errors(error: ApiException) -> list[dict]:
    return json.loads(error.body)["errors"]


def profile_body(email: str, **attributes) -> dict:
    return {"data": {"type": "profile", "attributes": {"email": email, **attributes}}}


def event_body(email: str, metric: str, unique_id=None, time=None) -> dict:
    attributes = {
        "properties": {"code": "WIN10"},
        "metric": {"data": {"type": "metric", "attributes": {"name": metric}}},
        "profile": {"data": {"type": "profile", "attributes": {"email": email}}},
    }
    attributes |= {"unique_id": unique_id} if unique_id else {}
    attributes |= {"time": time} if time else {}
    return {"data": {"type": "event", "attributes": attributes}}


def consent_profiles(emails, consent: str, consented_at=None) -> dict:
    marketing = {"consent": consent} | ({"consented_at": consented_at} if consented_at else {})
    subscriptions = {"email": {"marketing": marketing}}
    profiles = [
        {"type": "profile", "attributes": {"email": email, "subscriptions": subscriptions}}
        for email in emails
    ]
    return {"data": profiles}


def subscribe_body(emails, list_id=LIST_ID, historical=None, consented_at=None) -> dict:
    attributes = {"profiles": consent_profiles(emails, "SUBSCRIBED", consented_at)}
    attributes |= {"historical_import": historical} if historical is not None else {}
    relationships = {"list": {"data": {"type": "list", "id": list_id}}}
    data = {"type": "profile-subscription-bulk-create-job", "attributes": attributes}
    return {"data": data | {"relationships": relationships}}


def unsubscribe_body(emails, list_id: str) -> dict:
    attributes = {"profiles": consent_profiles(emails, "UNSUBSCRIBED")}
    relationships = {"list": {"data": {"type": "list", "id": list_id}}}
    data = {"type": "profile-subscription-bulk-delete-job", "attributes": attributes}
    return {"data": data | {"relationships": relationships}}


def suppress_body(emails) -> dict:
    profiles = [{"type": "profile", "attributes": {"email": email}} for email in emails]
    attributes = {"profiles": {"data": profiles}}
    return {"data": {"type": "profile-suppression-bulk-create-job", "attributes": attributes}}


def import_body(emails, list_id=None) -> dict:
    profiles = [{"type": "profile", "attributes": {"email": email}} for email in emails]
    data = {"type": "profile-bulk-import-job", "attributes": {"profiles": {"data": profiles}}}
    if list_id:
        data["relationships"] = {"lists": {"data": [{"type": "list", "id": list_id}]}}
    return {"data": data}


def bulk_events_body(emails, metric: str, per_profile: int) -> dict:
    entries = [
        {
            "type": "event-bulk-create",
            "attributes": {
                "profile": {"data": {"type": "profile", "attributes": {"email": email}}},
                "events": {
                    "data": [
                        {
                            "type": "event",
                            "attributes": {
                                "properties": {"n": n},
                                "metric": {
                                    "data": {"type": "metric", "attributes": {"name": metric}}
                                },
                                "unique_id": f"{email}-{n}",
                            },
                        }
                        for n in range(per_profile)
                    ]
                },
            },
        }
        for email in emails
    ]
    attributes = {"events-bulk-create": {"data": entries}}
    return {"data": {"type": "event-bulk-create-job", "attributes": attributes}}


def test_klaviyo_accounts_and_lists(klaviyo_fake):
    klaviyo = klaviyo_sdk(klaviyo_fake)
    account = klaviyo.Accounts.get_accounts()["data"][0]
    found = klaviyo.Lists.get_lists(filter=f'equals(id,"{DOI_LIST}")')["data"]
    assert account["attributes"]["contact_information"]["organization_name"] == "Fake Store"
    assert [item["id"] for item in klaviyo.Lists.get_lists()["data"]] == [LIST_ID, DOI_LIST]
    assert [(item["id"], item["attributes"]["opt_in_process"]) for item in found] == [
        (DOI_LIST, "double_opt_in")
    ]
    assert klaviyo_fake.requests == [("GET", "/api/accounts")] + [("GET", "/api/lists")] * 2


def test_klaviyo_lists_come_ten_to_a_page():
    with KlaviyoFake(lists={f"L{n:02d}": {"name": f"List {n}"} for n in range(12)}) as fake:
        lists = klaviyo_sdk(fake).Lists
        first = lists.get_lists()
        rest = lists.get_lists(page_cursor=first["links"]["next"])
    assert len(first["data"]) == 10
    assert [item["id"] for item in rest["data"]] == ["L10", "L11"]
    assert "next" not in rest["links"]


def test_klaviyo_profile_import_creates_then_updates(klaviyo_fake):
    profiles = klaviyo_sdk(klaviyo_fake).Profiles
    body = profile_body("Ann@Example.com", first_name="Ann", properties={"tier": "gold"})
    created = profiles.create_or_update_profile_with_http_info(body)
    body = profile_body("ann@example.com", last_name="Lee", properties={"code": "WIN10"})
    updated = profiles.create_or_update_profile_with_http_info(body)
    stored = klaviyo_fake.profile("ANN@example.com")
    assert (created.status_code, updated.status_code) == (201, 200)
    assert stored.attributes == {"first_name": "Ann", "last_name": "Lee"}
    assert stored.properties == {"tier": "gold", "code": "WIN10"}
    assert created.data["data"]["id"] == stored.id


def test_klaviyo_get_profiles_by_email_shows_subscriptions(klaviyo_fake):
    klaviyo = klaviyo_sdk(klaviyo_fake)
    klaviyo.Profiles.create_or_update_profile(profile_body("ann@example.com"))
    klaviyo_fake.suppress("ann@example.com")
    answer = klaviyo.Profiles.get_profiles(
        filter='equals(email,"ANN@example.com")', additional_fields_profile=["subscriptions"]
    )
    (found,) = answer["data"]
    marketing = found["attributes"]["subscriptions"]["email"]["marketing"]
    assert marketing["consent"] == "UNSUBSCRIBED" and not marketing["can_receive_email_marketing"]
    assert [entry["reason"] for entry in marketing["suppression"]] == ["UNSUBSCRIBE"]


def test_klaviyo_get_profiles_pages_with_cursors(klaviyo_fake):
    profiles = klaviyo_sdk(klaviyo_fake).Profiles
    for n in range(3):
        profiles.create_or_update_profile(profile_body(f"p{n}@example.com"))
    first = profiles.get_profiles(page_size=2)
    # The SDK unwraps only https:// next links, so the whole http:// link is the cursor here.
    second = profiles.get_profiles(page_size=2, page_cursor=first["links"]["next"])
    emails = [found["attributes"]["email"] for found in first["data"] + second["data"]]
    assert emails == ["p0@example.com", "p1@example.com", "p2@example.com"]
    assert "next" not in second["links"]


def test_klaviyo_polls_suppressions_since_a_moment(klaviyo_fake):
    klaviyo_fake.suppress("old@example.com")
    since = datetime.now(UTC)
    klaviyo_fake.suppress("spam@example.com", reason="SPAM_COMPLAINT")
    klaviyo_fake.suppress("bounced@example.com", reason="HARD_BOUNCE")
    query = FilterBuilder()
    query.greater_than("subscriptions.email.marketing.suppression.timestamp", since)
    answer = klaviyo_sdk(klaviyo_fake).Profiles.get_profiles(
        filter=query.build(), sort="-subscriptions.email.marketing.suppression.timestamp"
    )
    emails = [found["attributes"]["email"] for found in answer["data"]]
    assert emails == ["bounced@example.com", "spam@example.com"]


def test_klaviyo_refuses_a_filter_the_spec_does_not_list(klaviyo_fake):
    with pytest.raises(ApiException) as raised:
        klaviyo_sdk(klaviyo_fake).Profiles.get_profiles(filter='equals(first_name,"Ann")')
    (error,) = klaviyo_errors(raised.value)
    assert raised.value.status == 400 and error["source"] == {"parameter": "filter"}


def test_klaviyo_event_unique_id_dedupes_per_metric_and_profile(klaviyo_fake):
    events = klaviyo_sdk(klaviyo_fake).Events
    events.create_event(event_body("ann@example.com", "Baton Popup Won", unique_id="play-1"))
    events.create_event(event_body("ann@example.com", "Baton Popup Won", unique_id="play-1"))
    events.create_event(event_body("ann@example.com", "Started Checkout", unique_id="play-1"))
    events.create_event(event_body("bob@example.com", "Baton Popup Won", unique_id="play-1"))
    assert len(klaviyo_fake.events_for("ann@example.com", "Baton Popup Won")) == 1
    assert len(klaviyo_fake.events_for("ann@example.com")) == 2
    assert len(klaviyo_fake.events_for("bob@example.com")) == 1
    assert klaviyo_fake.requests == [("POST", "/api/events")] * 4


def test_klaviyo_events_without_unique_id_dedupe_on_the_second(klaviyo_fake):
    events = klaviyo_sdk(klaviyo_fake).Events
    for moment in ("10:00:00.100000", "10:00:00.900000", "10:00:01"):
        events.create_event(event_body("ann@example.com", "Viewed", time=f"2026-01-01T{moment}Z"))
    assert [event.time.second for event in klaviyo_fake.events_for("ann@example.com")] == [0, 1]


def test_klaviyo_bulk_create_events(klaviyo_fake):
    body = bulk_events_body(["ann@example.com", "bob@example.com"], "Backfilled Order", 2)
    klaviyo_sdk(klaviyo_fake).Events.bulk_create_events(body)
    assert len(klaviyo_fake.events_for("ann@example.com", "Backfilled Order")) == 2
    assert len(klaviyo_fake.events_for("bob@example.com", "Backfilled Order")) == 2


def test_klaviyo_bulk_import_lands_when_the_job_is_read(klaviyo_fake):
    profiles = klaviyo_sdk(klaviyo_fake).Profiles
    body = import_body(["ann@example.com", "bob@example.com"], LIST_ID)
    job = profiles.bulk_import_profiles(body)["data"]
    assert job["attributes"]["status"] == "queued"
    assert klaviyo_fake.profile("ann@example.com") is None
    done = profiles.get_bulk_import_profiles_job(job["id"])["data"]["attributes"]
    ann = klaviyo_fake.profile("ann@example.com")
    assert (done["status"], done["completed_count"], done["failed_count"]) == ("complete", 2, 0)
    assert LIST_ID in ann.lists and ann.consent == "NEVER_SUBSCRIBED"  # no consent from imports


def test_klaviyo_bulk_import_limits(klaviyo_fake):
    profiles = klaviyo_sdk(klaviyo_fake).Profiles
    many = import_body([f"p{n}@example.com" for n in range(10_001)])
    with pytest.raises(ApiException) as too_many:
        send_unchecked(
            profiles._bulk_import_profiles_serialize, many, fields_profile_bulk_import_job=None
        )
    big = import_body([f"p{n}@example.com" for n in range(90)])
    for item in big["data"]["attributes"]["profiles"]["data"]:
        item["attributes"]["properties"] = {"blob": "x" * 60_000}
    with pytest.raises(ApiException) as too_big:
        profiles.bulk_import_profiles(big)
    (error,) = klaviyo_errors(too_many.value)
    assert too_many.value.status == 400
    assert error["source"] == {"pointer": "/data/attributes/profiles/data"}
    assert too_big.value.status == 413 and klaviyo_fake.import_jobs == {}


def test_klaviyo_subscribe_clears_an_unsubscribe_suppression(klaviyo_fake):
    klaviyo_fake.suppress("ann@example.com")  # she unsubscribed inside Klaviyo
    assert klaviyo_fake.is_suppressed("ann@example.com")
    klaviyo_sdk(klaviyo_fake).Profiles.bulk_subscribe_profiles(subscribe_body(["ann@example.com"]))
    assert not klaviyo_fake.is_suppressed("ann@example.com")
    assert klaviyo_fake.is_subscribed("ann@example.com", LIST_ID)


def test_klaviyo_subscribe_leaves_a_hard_bounce_suppressed(klaviyo_fake):
    klaviyo_fake.suppress("ann@example.com", reason="HARD_BOUNCE")
    klaviyo_sdk(klaviyo_fake).Profiles.bulk_subscribe_profiles(subscribe_body(["ann@example.com"]))
    assert klaviyo_fake.profile("ann@example.com").suppression.reason == "HARD_BOUNCE"
    assert not klaviyo_fake.is_subscribed("ann@example.com")


def test_klaviyo_double_opt_in_waits_unless_historical_import(klaviyo_fake):
    profiles = klaviyo_sdk(klaviyo_fake).Profiles
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    profiles.bulk_subscribe_profiles(subscribe_body(["ann@example.com"], DOI_LIST))
    profiles.bulk_subscribe_profiles(
        subscribe_body(["bob@example.com"], DOI_LIST, historical=True, consented_at=yesterday)
    )
    assert not klaviyo_fake.is_subscribed("ann@example.com")
    assert klaviyo_fake.profile("ann@example.com").pending_lists == {DOI_LIST}
    assert klaviyo_fake.is_subscribed("bob@example.com", DOI_LIST)
    klaviyo_fake.confirm_double_opt_in("ann@example.com", DOI_LIST)
    assert klaviyo_fake.is_subscribed("ann@example.com", DOI_LIST)


def test_klaviyo_historical_import_needs_a_past_consent_time(klaviyo_fake):
    body = subscribe_body(["ann@example.com"], historical=True)
    with pytest.raises(ApiException) as raised:
        klaviyo_sdk(klaviyo_fake).Profiles.bulk_subscribe_profiles(body)
    (error,) = klaviyo_errors(raised.value)
    assert raised.value.status == 400
    assert error["source"]["pointer"].endswith("/email/marketing/consented_at")


def test_klaviyo_unsubscribe_leaves_the_list_or_else_unsubscribes_globally(klaviyo_fake):
    profiles = klaviyo_sdk(klaviyo_fake).Profiles
    profiles.bulk_subscribe_profiles(subscribe_body(["ann@example.com", "bob@example.com"]))
    profiles.bulk_unsubscribe_profiles(unsubscribe_body(["ann@example.com"], LIST_ID))
    profiles.bulk_unsubscribe_profiles(unsubscribe_body(["bob@example.com"], DOI_LIST))
    ann, bob = klaviyo_fake.profile("ann@example.com"), klaviyo_fake.profile("bob@example.com")
    assert LIST_ID not in ann.lists and ann.list_suppressions[LIST_ID].reason == "UNSUBSCRIBE"
    assert ann.consent == "SUBSCRIBED" and ann.suppression is None
    assert bob.consent == "UNSUBSCRIBED" and bob.suppression.reason == "UNSUBSCRIBE"


def test_klaviyo_bulk_suppress_takes_at_most_100(klaviyo_fake):
    profiles = klaviyo_sdk(klaviyo_fake).Profiles
    job = profiles.bulk_suppress_profiles(suppress_body(["ann@example.com", "bob@example.com"]))
    with pytest.raises(ApiException) as raised:
        profiles.bulk_suppress_profiles(suppress_body([f"p{n}@example.com" for n in range(101)]))
    assert job["data"]["attributes"]["total_count"] == 2
    assert klaviyo_fake.profile("bob@example.com").suppression.reason == "USER_SUPPRESSED"
    assert raised.value.status == 400 and klaviyo_fake.profile("p0@example.com") is None


def test_klaviyo_spec_invalid_body_gets_a_json_api_400(klaviyo_fake):
    body = event_body("ann@example.com", "Won")
    del body["data"]["attributes"]["metric"]
    with pytest.raises(ApiException) as raised:
        send_unchecked(klaviyo_sdk(klaviyo_fake).Events._create_event_serialize, body)
    (error,) = klaviyo_errors(raised.value)
    assert raised.value.status == 400
    assert raised.value.headers["Content-Type"] == "application/vnd.api+json"
    assert (error["status"], error["code"], error["title"]) == (400, "invalid", "Invalid input.")
    assert error["source"] == {"pointer": "/data/attributes/metric"} and error["id"]
    assert "'metric' is a required property" in error["detail"]
    assert klaviyo_fake.events == []


def test_klaviyo_bad_key_is_a_401_and_not_retried(klaviyo_fake):
    with pytest.raises(ApiException) as raised:
        klaviyo_sdk(klaviyo_fake, key="pk_wrong").Accounts.get_accounts()
    assert raised.value.status == 401
    assert klaviyo_errors(raised.value)[0]["code"] == "authentication_failed"
    assert len(klaviyo_fake.requests) == 1


def test_klaviyo_wants_a_revision_header(klaviyo_fake):
    klaviyo = klaviyo_sdk(klaviyo_fake)
    del klaviyo.api_client.default_headers["revision"]
    with pytest.raises(ApiException) as raised:
        klaviyo.Lists.get_lists()
    assert raised.value.status == 400
    assert klaviyo_errors(raised.value)[0]["source"] == {"parameter": "revision"}


def test_klaviyo_rate_limit_is_a_429_with_an_integer_retry_after():
    with KlaviyoFake(rate_limits={"create_event": {"burst": "1/s", "steady": "5/m"}}) as fake:
        events = klaviyo_sdk(fake, attempts=1).Events
        events.create_event(event_body("ann@example.com", "Won"))
        with pytest.raises(ApiException) as raised:
            events.create_event(event_body("bob@example.com", "Won"))
    (error,) = klaviyo_errors(raised.value)
    assert raised.value.status == 429 and raised.value.headers["Retry-After"] == "1"
    assert error["code"] == "throttled" and len(fake.requests) == 2


def test_klaviyo_sdk_waits_out_retry_after_then_succeeds():
    with KlaviyoFake(rate_limits={"create_event": {"burst": "1/s"}}) as fake:
        events = klaviyo_sdk(fake, attempts=3).Events
        events.create_event(event_body("ann@example.com", "Won"))
        started = time.monotonic()
        events.create_event(event_body("bob@example.com", "Won"))
        waited = time.monotonic() - started
    assert waited >= 1.0  # no second attempt before Retry-After: 1 had passed
    assert len(fake.requests) == 3


def test_klaviyo_sdk_cannot_read_a_fractional_retry_after(klaviyo_fake):
    # The SDK int()s the header, which is why the fake always sends whole seconds.
    klaviyo_fake.fail_next(429, retry_after=1.5)
    with pytest.raises(ValueError):
        klaviyo_sdk(klaviyo_fake).Events.create_event(event_body("ann@example.com", "Won"))


def test_klaviyo_gets_are_retried_by_urllib3_too_when_retry_after_is_sent(klaviyo_fake):
    # Under the SDK, urllib3's default Retry(3) retries GET/PUT/DELETE answers of 413, 429
    # and 503 that carry Retry-After, sleeping for it, before the SDK's own retries start.
    klaviyo_fake.fail_next(429, times=3, retry_after=0)
    assert klaviyo_sdk(klaviyo_fake, attempts=1).Lists.get_lists()["data"]
    assert len(klaviyo_fake.requests) == 4


@pytest.mark.parametrize(
    ("status", "requests_made"), [(429, 3), (503, 3), (504, 3), (524, 3), (500, 1), (502, 1)]
)
def test_klaviyo_sdk_retries_some_statuses_up_to_max_retries_attempts(
    klaviyo_fake, status, requests_made
):
    klaviyo_fake.fail_next(status, times=5)  # no Retry-After, so urllib3 stays out of it
    with pytest.raises(ApiException) as raised:
        klaviyo_sdk(klaviyo_fake, attempts=3).Lists.get_lists()
    assert raised.value.status == status
    assert len(klaviyo_fake.requests) == requests_made


def test_klaviyo_sdk_recovers_within_its_attempts(klaviyo_fake):
    klaviyo_fake.fail_next(503, times=2, retry_after=0)
    klaviyo_sdk(klaviyo_fake, attempts=3).Events.create_event(event_body("ann@example.com", "Won"))
    assert len(klaviyo_fake.requests) == 3


def test_klaviyo_read_timeouts_are_retried_by_urllib3_for_gets_only(klaviyo_fake):
    klaviyo = klaviyo_sdk(klaviyo_fake)
    klaviyo_fake.delay(0.3)
    with pytest.raises(MaxRetryError):
        klaviyo.Lists.get_lists(_request_timeout=0.05)
    gets = len(klaviyo_fake.requests)
    with pytest.raises(ReadTimeoutError):
        klaviyo.Events.create_event(event_body("ann@example.com", "Won"), _request_timeout=0.05)
    assert gets == 4  # urllib3's default Retry(3) under the SDK, which adds no retries
    assert len(klaviyo_fake.requests) == 5


def test_klaviyo_sdk_does_not_retry_a_refused_connection():
    with KlaviyoFake() as fake:
        url = fake.url
    started = time.monotonic()
    with pytest.raises(MaxRetryError):
        KlaviyoAPI(KEY, max_delay=5, max_retries=3, test_host=url).Lists.get_lists()
    assert time.monotonic() - started < 0.5  # no SDK backoff (at least 0.25 s) happened


def test_klaviyo_empty_error_body_still_raises(klaviyo_fake):
    klaviyo_fake.fail_next(502, empty_body=True)
    with pytest.raises(ApiException) as raised:
        klaviyo_sdk(klaviyo_fake).Lists.get_lists()
    assert raised.value.status == 502 and not raised.value.body


def test_klaviyo_answers_parse_into_the_sdk_models(klaviyo_fake):
    klaviyo = klaviyo_sdk(klaviyo_fake, dictionaries=False)
    created = klaviyo.Profiles.create_or_update_profile(profile_body("ann@example.com"))
    found = klaviyo.Profiles.get_profiles(additional_fields_profile=["subscriptions"]).data[0]
    job = klaviyo.Profiles.bulk_import_profiles(import_body(["bob@example.com"], LIST_ID)).data
    done = klaviyo.Profiles.get_bulk_import_profiles_job(job.id).data
    suppressed = klaviyo.Profiles.bulk_suppress_profiles(suppress_body(["ann@example.com"])).data
    assert klaviyo.Accounts.get_accounts().data[0].attributes.timezone == "UTC"
    assert klaviyo.Lists.get_lists().data[0].attributes.name == "Newsletter"
    assert found.id == created.data.id
    assert found.attributes.subscriptions.email.marketing.consent == "NEVER_SUBSCRIBED"
    assert (done.attributes.status, suppressed.attributes.status) == ("complete", "complete")


# Mailchimp


@pytest.fixture
def mailchimp_fake():
    lists = {LIST_ID: {"name": "Newsletter"}, DOI_LIST: {"name": "Confirmed", "double_optin": True}}
    with MailchimpFake(api_key=MAILCHIMP_KEY, lists=lists) as fake:
        yield fake


def mailchimp_sdk(fake: MailchimpFake, api_key=MAILCHIMP_KEY, timeout=5):
    """The SDK pointed at the fake, as the app points it at a host."""
    client = mailchimp_marketing.Client()
    client.set_config({"api_key": api_key, "server": fake.dc, "timeout": timeout})
    client.api_client.host = fake.url
    return client


def problem(error: ApiClientError) -> dict:
    # problem+json does not contain "application/json", so the SDK leaves the text unparsed.
    assert isinstance(error.text, str)
    return json.loads(error.text)


def member_body(email: str, status_if_new="subscribed", **fields) -> dict:
    return {"email_address": email, "status_if_new": status_if_new, **fields}


def test_mailchimp_ping_and_lists(mailchimp_fake):
    client = mailchimp_sdk(mailchimp_fake)
    found = client.lists.get_list(DOI_LIST)
    assert client.ping.get() == {"health_status": "Everything's Chimpy!"}
    assert [item["id"] for item in client.lists.get_all_lists()["lists"]] == [LIST_ID, DOI_LIST]
    assert (found["name"], found["double_optin"]) == ("Confirmed", True)
    assert ("GET", "/3.0/ping") in mailchimp_fake.requests


def test_mailchimp_merge_fields_refuse_a_duplicate_tag(mailchimp_fake):
    lists = mailchimp_sdk(mailchimp_fake).lists
    field = {"tag": "COUPON", "name": "Baton code", "type": "text", "public": False}
    created = lists.add_list_merge_field(LIST_ID, field)
    with pytest.raises(ApiClientError) as raised:
        lists.add_list_merge_field(LIST_ID, field)
    found = lists.get_list_merge_fields(LIST_ID, count=100)["merge_fields"]
    assert created["tag"] == "COUPON"
    assert [item["tag"] for item in found].count("COUPON") == 1
    assert raised.value.status_code == 400 and problem(raised.value)["title"] == "Invalid Resource"


def test_mailchimp_put_upserts_a_member(mailchimp_fake):
    lists = mailchimp_sdk(mailchimp_fake).lists
    lists.add_list_merge_field(LIST_ID, {"tag": "COUPON", "name": "Code", "type": "text"})
    email, member = "Ann@Example.com", subscriber_hash("ann@example.com")
    created = lists.set_list_member(
        LIST_ID, member, member_body(email, merge_fields={"COUPON": "WIN10", "NOPE": "x"})
    )
    again = lists.set_list_member(
        LIST_ID, member, member_body(email, "unsubscribed", merge_fields={"FNAME": "Ann"})
    )
    lists.update_list_member(LIST_ID, member, {"merge_fields": {"LNAME": "Lee"}})
    assert created["id"] == member and created["status"] == "subscribed"
    assert again["status"] == "subscribed"  # status_if_new applies only to new members
    assert mailchimp_fake.member(LIST_ID, email).merge_fields == {
        "COUPON": "WIN10",
        "FNAME": "Ann",
        "LNAME": "Lee",
    }
    assert lists.get_list_member(LIST_ID, member)["full_name"] == "Ann Lee"


def test_mailchimp_put_checks_the_subscriber_hash(mailchimp_fake):
    lists = mailchimp_sdk(mailchimp_fake).lists
    with pytest.raises(ApiClientError) as raised:
        lists.set_list_member(
            LIST_ID, subscriber_hash("bob@example.com"), member_body("ann@example.com")
        )
    assert raised.value.status_code == 400
    assert problem(raised.value)["errors"][0]["field"] == "email_address"
    assert mailchimp_fake.member(LIST_ID, "ann@example.com") is None


def test_mailchimp_double_opt_in_makes_a_new_subscriber_pending(mailchimp_fake):
    lists = mailchimp_sdk(mailchimp_fake).lists
    member = subscriber_hash("ann@example.com")
    answer = lists.set_list_member(DOI_LIST, member, member_body("ann@example.com"))
    assert answer["status"] == "pending"
    assert mailchimp_fake.status(DOI_LIST, "ann@example.com") == "pending"


def test_mailchimp_member_tags_and_events(mailchimp_fake):
    lists = mailchimp_sdk(mailchimp_fake).lists
    member = subscriber_hash("ann@example.com")
    lists.set_list_member(LIST_ID, member, member_body("ann@example.com"))
    tags = [{"name": "baton", "status": "active"}, {"name": "vip", "status": "active"}]
    added = lists.update_list_member_tags(LIST_ID, member, {"tags": tags})
    lists.update_list_member_tags(
        LIST_ID, member, {"tags": [{"name": "vip", "status": "inactive"}]}
    )
    event = {"name": "started_checkout", "properties": {"value": "42.00"}}
    lists.create_list_member_event(LIST_ID, member, event)
    stored = mailchimp_fake.member(LIST_ID, "ann@example.com")
    # A 204 has no body, so the SDK hands back the requests.Response itself.
    assert isinstance(added, requests.Response) and added.status_code == 204
    assert stored.tags == {"baton"}
    assert [(item["name"], item["properties"]) for item in stored.events] == [
        ("started_checkout", {"value": "42.00"})
    ]


def test_mailchimp_compliance_state_refuses_resubscribing(mailchimp_fake):
    lists = mailchimp_sdk(mailchimp_fake).lists
    email, member = "ann@example.com", subscriber_hash("ann@example.com")
    lists.set_list_member(LIST_ID, member, member_body(email))
    form = mailchimp_fake.unsubscribe(LIST_ID, email)  # she clicked unsubscribe in an email
    with pytest.raises(ApiClientError) as put:
        lists.set_list_member(LIST_ID, member, member_body(email, status="subscribed"))
    with pytest.raises(ApiClientError) as patch:
        lists.update_list_member(LIST_ID, member, {"status": "subscribed"})
    kept = lists.set_list_member(LIST_ID, member, member_body(email))
    assert put.value.status_code == patch.value.status_code == 400
    assert problem(put.value)["title"] == problem(patch.value)["title"] == COMPLIANCE_TITLE
    assert kept["status"] == "unsubscribed"  # she is not new, so status_if_new is ignored
    assert (form["type"], form["data[email]"], form["data[list_id]"]) == (
        "unsubscribe",
        email,
        LIST_ID,
    )
    # Mailchimp's way back is a confirmation email, so pending is allowed.
    assert lists.update_list_member(LIST_ID, member, {"status": "pending"})["status"] == "pending"


def test_mailchimp_flagged_and_cleaned_addresses_cannot_be_subscribed(mailchimp_fake):
    lists = mailchimp_sdk(mailchimp_fake).lists
    mailchimp_fake.compliance("flagged@example.com")
    bounced = "bounced@example.com"
    lists.set_list_member(LIST_ID, subscriber_hash(bounced), member_body(bounced))
    mailchimp_fake.clean(LIST_ID, bounced)
    for email, status in (("flagged@example.com", "subscribed"), (bounced, "pending")):
        with pytest.raises(ApiClientError) as raised:
            lists.set_list_member(
                LIST_ID, subscriber_hash(email), member_body(email, status=status)
            )
        assert problem(raised.value)["title"] == COMPLIANCE_TITLE
    assert mailchimp_fake.member(LIST_ID, "flagged@example.com") is None
    assert mailchimp_fake.status(LIST_ID, bounced) == "cleaned"


def test_mailchimp_batch_subscribe(mailchimp_fake):
    lists = mailchimp_sdk(mailchimp_fake).lists
    lists.set_list_member(
        LIST_ID, subscriber_hash("old@example.com"), member_body("old@example.com")
    )
    mailchimp_fake.unsubscribe(LIST_ID, "old@example.com")
    members = [
        {"email_address": email, "status": "subscribed"}
        for email in ("new@example.com", "old@example.com", "not-an-email")
    ]
    answer = lists.batch_list_members(LIST_ID, {"members": members, "update_existing": True})
    again = lists.batch_list_members(LIST_ID, {"members": members[:1]})
    assert [item["email_address"] for item in answer["new_members"]] == ["new@example.com"]
    assert [item["email_address"] for item in answer["errors"]] == [
        "old@example.com",
        "not-an-email",
    ]
    assert "compliance state" in answer["errors"][0]["error"]
    assert again["errors"][0]["error_code"] == "ERROR_CONTACT_EXISTS"  # update_existing is off
    too_many = [{"email_address": f"p{n}@example.com", "status": "subscribed"} for n in range(501)]
    with pytest.raises(ApiClientError) as raised:
        lists.batch_list_members(LIST_ID, {"members": too_many})
    assert raised.value.status_code == 400


def test_mailchimp_batch_operations_run_when_polled(mailchimp_fake):
    client = mailchimp_sdk(mailchimp_fake)
    path = f"/lists/{LIST_ID}/members/{subscriber_hash('ann@example.com')}"
    operations = [
        {"method": "PUT", "path": path, "operation_id": "ann"}
        | {"body": json.dumps(member_body("ann@example.com"))},
        {"method": "PUT", "path": path, "operation_id": "bad", "body": "{}"},
    ]
    started = client.batches.start({"operations": operations})
    assert (
        started["status"] == "pending" and mailchimp_fake.member(LIST_ID, "ann@example.com") is None
    )
    finished = client.batches.status(started["id"])
    archive = requests.get(finished["response_body_url"], timeout=5).content
    with tarfile.open(fileobj=io.BytesIO(archive)) as results_file:
        results = json.load(results_file.extractfile(results_file.getmembers()[0]))
    assert (finished["status"], finished["finished_operations"]) == ("finished", 2)
    assert finished["errored_operations"] == 1
    assert mailchimp_fake.status(LIST_ID, "ann@example.com") == "subscribed"
    assert [(item["operation_id"], item["status_code"]) for item in results] == [
        ("ann", 200),
        ("bad", 400),
    ]


def test_mailchimp_spec_invalid_body_gets_problem_json(mailchimp_fake):
    lists = mailchimp_sdk(mailchimp_fake).lists
    body = member_body("ann@example.com", status_if_new="maybe")
    with pytest.raises(ApiClientError) as raised:
        lists.set_list_member(LIST_ID, subscriber_hash("ann@example.com"), body)
    found = problem(raised.value)
    raw = requests.put(
        f"{mailchimp_fake.url}/lists/{LIST_ID}/members/x", json={}, auth=("x", MAILCHIMP_KEY)
    )
    assert raised.value.status_code == 400 == found["status"]
    assert {"type", "title", "status", "detail", "instance"} <= set(found)
    assert found["errors"][0]["field"] == "status_if_new"
    assert "'maybe' is not one of" in found["errors"][0]["message"]
    assert raw.status_code == 400 and raw.headers["Content-Type"] == "application/problem+json"


def test_mailchimp_bad_key_is_a_401(mailchimp_fake):
    with pytest.raises(ApiClientError) as raised:
        mailchimp_sdk(mailchimp_fake, api_key="ffffffffffffffffffffffffffffffff-us1").ping.get()
    assert raised.value.status_code == 401 and problem(raised.value)["title"] == "API Key Invalid"


def test_mailchimp_connections_beyond_the_limit_get_a_429():
    with MailchimpFake(api_key=MAILCHIMP_KEY, max_connections=2) as fake:
        fake.delay(0.8)
        answers = []
        slow = [
            threading.Thread(target=lambda: answers.append(mailchimp_sdk(fake).ping.get()))
            for _ in range(2)
        ]
        for thread in slow:
            thread.start()
        time.sleep(0.3)  # both are now holding a connection
        with pytest.raises(ApiClientError) as raised:
            mailchimp_sdk(fake).ping.get()
        raw = requests.get(f"{fake.url}/ping", auth=("x", MAILCHIMP_KEY), timeout=5)
        for thread in slow:
            thread.join()
    assert raised.value.status_code == 429 and problem(raised.value)["title"] == "Too Many Requests"
    # The SDK's error has no headers; Retry-After is only visible on the raw response.
    assert raw.status_code == 429 and raw.headers["Retry-After"] == "1"
    assert len(answers) == 2


@pytest.mark.parametrize("status", [429, 500, 503])
def test_mailchimp_sdk_never_retries(mailchimp_fake, status):
    mailchimp_fake.fail_next(status, retry_after=1)
    with pytest.raises(ApiClientError) as raised:
        mailchimp_sdk(mailchimp_fake).ping.get()
    assert raised.value.status_code == status and len(mailchimp_fake.requests) == 1


def test_mailchimp_empty_error_body_comes_back_as_a_response(mailchimp_fake):
    mailchimp_fake.fail_next(503, empty_body=True)
    answer = mailchimp_sdk(mailchimp_fake).ping.get()
    assert isinstance(answer, requests.Response) and answer.status_code == 503


def test_mailchimp_timeout_raises_once_without_a_status(mailchimp_fake):
    mailchimp_fake.delay(0.3)
    with pytest.raises(ApiClientError) as raised:
        mailchimp_sdk(mailchimp_fake, timeout=0.05).ping.get()
    assert raised.value.status_code is None
    assert isinstance(raised.value.text, requests.Timeout)
    assert len(mailchimp_fake.requests) == 1


def nested(form: dict[str, str]) -> dict:
    """data[merges][EMAIL]=x as {"data": {"merges": {"EMAIL": "x"}}}, as the AsyncAPI reads it."""
    tree: dict = {}
    for key, value in form.items():
        *parents, leaf = re.findall(r"[^\[\]]+", key)
        node = tree
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return tree


@pytest.mark.parametrize(
    ("event_type", "schema"),
    [
        ("subscribe", "SubscribePayload"),
        ("unsubscribe", "UnsubscribePayload"),
        ("cleaned", "EnvelopeCleaned"),
    ],
)
def test_webhook_forms_match_the_asyncapi_payloads(event_type, schema):
    document = load_spec(SPECS_DIR / "mailchimp" / "mailchimp-marketing-webhooks-asyncapi.yml")
    payload = {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
    form = webhook_form(event_type, "ann@example.com", LIST_ID)
    Draft202012Validator(payload).validate(nested(form))
    assert (form["data[email]"], form["data[list_id]"]) == ("ann@example.com", LIST_ID)


# Shared pieces


def test_sliding_window_limiter_refuses_until_the_window_moves():
    limiter = SlidingWindowLimiter([(2, 0.2)])
    assert [limiter.admit("key"), limiter.admit("key"), limiter.admit("other")] == [0, 0, 0]
    assert limiter.admit("key") == 1  # whole seconds, rounded up
    time.sleep(0.25)
    assert limiter.admit("key") == 0


def test_openapi_nullable_becomes_json_schema_null():
    assert json_schema({"type": "string", "nullable": True}) == {"type": ["string", "null"]}
    assert json_schema({"$ref": "#/x", "nullable": True}) == {
        "anyOf": [{"$ref": "#/x"}, {"type": "null"}]
    }
