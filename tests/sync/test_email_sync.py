"""Email-platform sync end to end: a signed play or webhook, the worker, and the Klaviyo and
Mailchimp fakes (real HTTP servers the vendors' SDKs talk to). Afterwards the test asks the
fakes what each platform now believes."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db, redis_queues
from app.models import Campaign, Customer, EmailSuppression, PlatformConnection, Play, SyncTask
from tests import payloads
from tests.factories import EMAIL, LEAD_METRIC, play, token_for, win
from tests.shopify_signing import bearer, post_webhook, session_token
from workers.sync import MAX_ATTEMPTS, poll_suppressions, run_sync_task


def task_states() -> dict:
    db.session.rollback()
    return {
        (task.platform, task.operation): task.status
        for task in db.session.scalars(select(SyncTask))
    }


def test_connecting_checks_keys_and_creates_mailchimp_merge_fields(client, connected, mailchimp):
    listed = client.get("/admin/api/connections", headers=bearer(session_token())).get_json()
    assert [(c["platform"], c["list_name"]) for c in listed["connections"]] == [
        ("klaviyo", "Newsletter"),
        ("mailchimp", "Newsletter"),
    ]
    assert {"COUPON", "PRIZE", "CAMPAIGN"} <= set(mailchimp.lists["list1"].merge_fields)


@pytest.mark.parametrize(
    "platform, body",
    [
        ("klaviyo", {"api_key": "pk_wrong", "list_id": "list1"}),
        ("klaviyo", {"api_key": "pk_test", "list_id": "nope"}),
        ("mailchimp", {"api_key": "wrong-us1", "list_id": "list1"}),
        ("mailchimp", {"api_key": "key-us1", "list_id": "nope"}),
    ],
)
def test_a_refused_key_or_list_is_reported_in_plain_words(
    client, platforms, installed_shop, platform, body
):
    installed_shop()
    answer = client.put(
        f"/admin/api/connections/{platform}", json=body, headers=bearer(session_token())
    )
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] in ("platform_refused", "unknown_list") and error["message"]
    assert client.get("/admin/api/connections", headers=bearer(session_token())).get_json() == {
        "connections": []
    }


def test_a_consented_lead_reaches_both_platforms_with_the_code_the_shopper_saw(
    client, connected, run_worker, klaviyo, mailchimp
):
    code = win(client, connected)
    run_worker()
    assert task_states() == {("klaviyo", "lead"): "done", ("mailchimp", "lead"): "done"}
    [event] = klaviyo.events_for(EMAIL, LEAD_METRIC)
    assert event.properties["code"] == code
    assert klaviyo.profile(EMAIL).properties["baton_code"] == code
    assert klaviyo.is_subscribed(EMAIL, "list1")
    member = mailchimp.member("list1", EMAIL)
    assert member.status == "subscribed" and member.merge_fields["COUPON"] == code
    assert "baton-game-wheel" in member.tags


def test_a_replayed_task_sends_no_second_event(client, connected, run_worker, klaviyo):
    win(client, connected)
    run_worker()
    task = db.session.scalar(select(SyncTask).filter_by(platform="klaviyo"))
    task.status = "pending"  # as if the worker died after the call, before recording it
    db.session.commit()
    run_sync_task(task.id)
    assert len(klaviyo.events_for(EMAIL, LEAD_METRIC)) == 1


def test_a_lead_without_consent_is_never_subscribed(
    client, connected, run_worker, klaviyo, mailchimp
):
    campaign = db.session.get(Campaign, connected)
    campaign.consent = dict(campaign.consent) | {"required": False}
    db.session.commit()
    win(client, connected, consent=False)
    run_worker()
    assert klaviyo.events_for(EMAIL, LEAD_METRIC)
    assert not klaviyo.is_subscribed(EMAIL)
    assert mailchimp.status("list1", EMAIL) == "transactional"


def test_klaviyo_suppression_is_never_cleared_by_our_subscribe(
    client, connected, run_worker, klaviyo
):
    klaviyo.suppress(EMAIL)
    win(client, connected)
    run_worker()
    assert klaviyo.is_suppressed(EMAIL) and not klaviyo.is_subscribed(EMAIL)
    assert db.session.scalar(select(EmailSuppression.source)) == "klaviyo"


def test_mailchimp_compliance_state_is_a_suppression_not_a_retry(
    client, connected, run_worker, mailchimp, klaviyo
):
    mailchimp.compliance(EMAIL)
    win(client, connected)
    run_worker()
    assert task_states()[("mailchimp", "lead")] == "done"
    assert mailchimp.status("list1", EMAIL) != "subscribed"
    assert db.session.scalar(select(EmailSuppression.source)) == "mailchimp"


def test_an_unsubscribe_in_shopify_reaches_both_platforms_and_blocks_later_signups(
    client, connected, run_worker, klaviyo, mailchimp
):
    for topic, payload in (
        ("customers/create", payloads.customer()),
        ("customers_email_marketing_consent/update", payloads.consent_update()),
    ):
        assert post_webhook(client, topic, payload).status_code == 200
    run_worker()
    assert klaviyo.is_suppressed(EMAIL)
    assert mailchimp.status("list1", EMAIL) == "unsubscribed"
    win(client, connected)  # the same person plays a pop-up later, ticking the box
    run_worker()
    assert not klaviyo.is_subscribed(EMAIL) and klaviyo.is_suppressed(EMAIL)
    assert mailchimp.status("list1", EMAIL) == "unsubscribed"


def test_a_mailchimp_unsubscribe_reaches_klaviyo_and_shopify(
    client, connected, run_worker, klaviyo, platforms
):
    assert post_webhook(client, "customers/create", payloads.customer()).status_code == 200
    run_worker()
    listed = client.get("/admin/api/connections", headers=bearer(session_token())).get_json()
    url = listed["connections"][1]["webhook_url"].split("://", 1)[1].split("/", 1)[1]
    form = {"type": "unsubscribe", "data[email]": EMAIL, "data[list_id]": "list1"}
    assert client.post(f"/{url}", data=form).status_code == 200
    run_worker()
    assert klaviyo.is_suppressed(EMAIL)
    shopify_id = f"gid://shopify/Customer/{payloads.BIG_ID}"
    assert platforms.state["email_consent"][shopify_id] == "UNSUBSCRIBED"


def test_a_klaviyo_429_reschedules_the_task_instead_of_blocking_the_worker(
    client, connected, run_worker, klaviyo
):
    klaviyo.fail_next(429, times=1, retry_after=30)
    win(client, connected)
    started = time.monotonic()
    run_worker()
    assert time.monotonic() - started < 10  # the 30 s Retry-After was not slept in the worker
    task = db.session.scalar(select(SyncTask).filter_by(platform="klaviyo"))
    assert task.status == "pending" and "429" in task.last_error
    scheduled = redis_queues.queue("sync").scheduled_job_registry
    assert scheduled.count == 1
    when = scheduled.get_scheduled_time(scheduled.get_job_ids()[0])
    assert when.replace(tzinfo=UTC) >= datetime.now(UTC) + timedelta(seconds=25)
    run_sync_task(task.id)  # the scheduled retry, after Retry-After
    assert task_states()[("klaviyo", "lead")] == "done"
    assert len(klaviyo.events_for(EMAIL, LEAD_METRIC)) == 1


def test_persistent_5xx_ends_in_a_dead_letter_with_the_vendors_words(
    client, connected, run_worker, mailchimp
):
    win(client, connected)
    mailchimp.fail_next(500, times=MAX_ATTEMPTS * 2)
    run_worker()
    task = db.session.scalar(select(SyncTask).filter_by(platform="mailchimp"))
    assert task.status == "pending" and "500" in task.last_error  # retried later, not lost
    for _ in range(MAX_ATTEMPTS):
        run_sync_task(task.id)
    db.session.refresh(task)
    assert task.status == "dead" and "Mailchimp 500" in task.last_error
    letters = client.get("/admin/api/sync/dead-letters", headers=bearer(session_token()))
    assert letters.get_json()["dead_letters"][0]["id"] == task.id
    assert db.session.scalar(select(Play.email)) == EMAIL  # the lead itself is kept


def test_suppressions_made_in_klaviyo_reach_mailchimp_and_shopify(
    client, connected, run_worker, klaviyo, mailchimp, platforms
):
    from workers.sweeper import schedule_suppression_polls

    assert post_webhook(client, "customers/create", payloads.customer()).status_code == 200
    win(client, connected)  # subscribed on both platforms
    run_worker()
    assert mailchimp.status("list1", EMAIL) == "subscribed"
    klaviyo.suppress(EMAIL)  # the person unsubscribes from a Klaviyo email
    assert schedule_suppression_polls() == 1
    assert schedule_suppression_polls() == 0  # one queued poll per connection
    run_worker()
    assert mailchimp.status("list1", EMAIL) == "unsubscribed"
    shopify_id = f"gid://shopify/Customer/{payloads.BIG_ID}"
    assert platforms.state["email_consent"][shopify_id] == "UNSUBSCRIBED"
    assert db.session.scalar(select(EmailSuppression.source)) == "klaviyo"
    # Polled again later: nothing new, nothing queued twice.
    connection = db.session.scalar(select(PlatformConnection).filter_by(platform="klaviyo"))
    assert poll_suppressions(connection.id) == 0


def test_customer_profiles_and_segments_follow_shopify(
    client, connected, run_worker, klaviyo, mailchimp
):
    deliveries = [
        ("customers/create", payloads.customer(consent_state="not_subscribed")),
        ("orders/create", payloads.order(id=1001, checkout_token="ck-1")),
        ("orders/create", payloads.order(id=1002, checkout_token="ck-2")),
    ]
    for topic, payload in deliveries:
        assert post_webhook(client, topic, payload).status_code == 200
    run_worker()
    properties = klaviyo.profile(EMAIL).properties
    assert properties["shopify_orders_count"] == 2
    assert properties["baton_repeat_customer"] is True and properties["baton_popup_lead"] is False
    assert not klaviyo.is_subscribed(EMAIL)  # a profile update never subscribes anyone
    member = mailchimp.member("list1", EMAIL)
    assert member.status == "transactional" and member.merge_fields["ORDERS"] == "2"
    assert {"baton-repeat-customer", "baton-recent-buyer"} <= member.tags
    assert "baton-popup-lead" not in member.tags

    win(client, connected)  # now a pop-up lead: the next profile change says so
    assert (
        post_webhook(
            client,
            "customers/update",
            payloads.customer(
                consent_state="not_subscribed", updated_at="2026-11-22T12:00:00-05:00"
            ),
        ).status_code
        == 200
    )
    run_worker()
    assert klaviyo.profile(EMAIL).properties["baton_popup_lead"] is True
    assert "baton-popup-lead" in mailchimp.member("list1", EMAIL).tags


def test_leads_reach_klaviyo_in_batches_not_one_call_each(client, connected, run_worker, klaviyo):
    klaviyo.suppress("lead7@example.com")  # one of them unsubscribed in Klaviyo earlier
    codes = {}
    for n in range(30):
        email, visitor = f"lead{n}@example.com", f"visitor-{n:04d}"
        token = token_for(client, connected, visitor)
        answer = play(client, connected, token, email, visitor, ip=f"203.0.113.{n}")
        codes[email] = answer.get_json()["code"]
    run_worker()
    calls = [path.split("?")[0] for method, path in klaviyo.requests]
    assert calls.count("/api/event-bulk-create-jobs") == 1
    assert calls.count("/api/profiles") == 1  # one suppression check for all 30
    assert calls.count("/api/profile-subscription-bulk-create-jobs") == 1
    assert all(
        klaviyo.events_for(email, LEAD_METRIC)[0].properties["code"] == code
        for email, code in codes.items()
    )
    assert sum(klaviyo.is_subscribed(email, "list1") for email in codes) == 29
    assert klaviyo.is_suppressed("lead7@example.com")


def test_a_later_play_that_wins_nothing_keeps_the_code_already_won(
    client, connected, run_worker, klaviyo, mailchimp
):
    from app.sync.outbox import queue_sync

    code = win(client, connected)
    run_worker()
    first = db.session.scalar(select(Play).filter_by(email=EMAIL))
    # The same shopper plays again later (another campaign, say) and lands on "Next time".
    other = Campaign(shop_domain=first.shop_domain, name="Gift box", game="giftbox", status="live")
    db.session.add(other)
    db.session.flush()
    again = Play(
        shop_domain=first.shop_domain,
        campaign_id=other.id,
        email=EMAIL,
        consented=True,
        visitor_key="visitor-0002",
        variant_key="A",
    )
    db.session.add(again)
    db.session.flush()
    queue_sync(first.shop_domain, "lead", str(again.id))
    db.session.commit()
    run_worker()
    assert len(klaviyo.events_for(EMAIL, LEAD_METRIC)) == 2
    assert klaviyo.profile(EMAIL).properties["baton_code"] == code
    assert mailchimp.member("list1", EMAIL).merge_fields["COUPON"] == code


def resubscribe_everywhere(klaviyo, mailchimp, platforms) -> None:
    """The person signs up again through each platform's own form and at Shopify's checkout."""
    profile = klaviyo.profile(EMAIL)
    profile.consent, profile.suppression = "SUBSCRIBED", None
    profile.lists.add("list1")
    mailchimp.member("list1", EMAIL).status = "subscribed"
    platforms.state["email_consent"][f"gid://shopify/Customer/{payloads.BIG_ID}"] = "SUBSCRIBED"


def test_a_second_unsubscribe_in_shopify_is_sent_again(
    client, connected, run_worker, klaviyo, mailchimp, platforms
):
    # M3: unsubscribe, re-subscribe at checkout, unsubscribe again: the second one must go out.
    post_webhook(client, "customers/create", payloads.customer())
    first = payloads.consent_update(state="unsubscribed", at="2026-11-22T11:00:00-05:00")
    post_webhook(client, "customers_email_marketing_consent/update", first)
    run_worker()
    assert klaviyo.is_suppressed(EMAIL) and mailchimp.status("list1", EMAIL) == "unsubscribed"

    platforms.state.setdefault("email_consent", {})
    resubscribe_everywhere(klaviyo, mailchimp, platforms)
    again = payloads.consent_update(state="subscribed", at="2026-11-23T09:00:00-05:00")
    post_webhook(client, "customers_email_marketing_consent/update", again)
    run_worker()
    assert klaviyo.is_subscribed(EMAIL) and mailchimp.status("list1", EMAIL) == "subscribed"

    second = payloads.consent_update(state="unsubscribed", at="2026-11-24T10:00:00-05:00")
    post_webhook(client, "customers_email_marketing_consent/update", second)
    run_worker()
    assert klaviyo.is_suppressed(EMAIL) and not klaviyo.is_subscribed(EMAIL)
    assert mailchimp.status("list1", EMAIL) == "unsubscribed"
    customer = db.session.scalars(select(Customer)).one()
    assert customer.email_consent_state == "unsubscribed"


def test_a_second_mailchimp_unsubscribe_reaches_shopify_again(
    client, connected, run_worker, klaviyo, mailchimp, platforms
):
    post_webhook(client, "customers/create", payloads.customer())
    run_worker()
    listed = client.get("/admin/api/connections", headers=bearer(session_token())).get_json()
    url = listed["connections"][1]["webhook_url"].split("://", 1)[1].split("/", 1)[1]
    form = {"type": "unsubscribe", "data[email]": EMAIL, "data[list_id]": "list1"}
    shopify_id = f"gid://shopify/Customer/{payloads.BIG_ID}"
    assert client.post(f"/{url}", data=form).status_code == 200
    run_worker()
    assert platforms.state["email_consent"][shopify_id] == "UNSUBSCRIBED"

    resubscribe_everywhere(klaviyo, mailchimp, platforms)
    assert client.post(f"/{url}", data=form).status_code == 200
    run_worker()
    assert platforms.state["email_consent"][shopify_id] == "UNSUBSCRIBED"
    assert klaviyo.is_suppressed(EMAIL) and not klaviyo.is_subscribed(EMAIL)
