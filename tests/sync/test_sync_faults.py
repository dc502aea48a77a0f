"""Vendor trouble through the real worker: timeouts, 429 storms and 5xx end in success or a
dead letter the merchant can see, never in silence and never in a re-subscription."""

from sqlalchemy import select

from app.extensions import db
from app.models import SyncTask
from app.sync.platforms import klaviyo_account, mailchimp_audience
from tests.factories import EMAIL, LEAD_METRIC, win
from tests.shopify_signing import bearer, session_token
from workers.sync import MAX_ATTEMPTS, run_sync_task


def tasks() -> list[SyncTask]:
    db.session.rollback()
    return list(db.session.scalars(select(SyncTask).order_by(SyncTask.platform)))


def retry_until_settled() -> None:
    """The scheduled retries, run one after another as their time comes."""
    for _ in range(MAX_ATTEMPTS):
        for task in tasks():
            if task.status == "pending":
                run_sync_task(task.id)


def test_a_slow_vendor_times_out_and_the_lead_arrives_on_a_later_attempt(
    client, connected, run_worker, klaviyo, mailchimp, monkeypatch
):
    monkeypatch.setattr(klaviyo_account, "TIMEOUT_SECONDS", 0.3)
    monkeypatch.setattr(mailchimp_audience, "TIMEOUT_SECONDS", 0.3)
    klaviyo.delay(1)
    mailchimp.delay(1)
    code = win(client, connected)
    run_worker()
    assert {task.status for task in tasks()} == {"pending"}  # waiting for a retry, not lost
    assert all(task.last_error for task in tasks())
    klaviyo.delay(0)
    mailchimp.delay(0)
    retry_until_settled()
    assert {task.status for task in tasks()} == {"done"}
    assert klaviyo.events_for(EMAIL, LEAD_METRIC)[-1].properties["code"] == code
    assert mailchimp.member("list1", EMAIL).merge_fields["COUPON"] == code


def test_a_429_storm_is_ridden_out_with_one_event_in_the_end(
    client, connected, run_worker, klaviyo, mailchimp
):
    klaviyo.fail_next(429, times=5, retry_after=1)
    mailchimp.fail_next(429, times=5, retry_after=1)
    code = win(client, connected)
    run_worker()
    retry_until_settled()
    assert {task.status for task in tasks()} == {"done"}
    [event] = klaviyo.events_for(EMAIL, LEAD_METRIC)
    assert event.properties["code"] == code
    assert mailchimp.status("list1", EMAIL) == "subscribed"


def test_a_vendor_that_never_recovers_ends_in_dead_letters_with_its_words(
    client, connected, run_worker, klaviyo, mailchimp
):
    klaviyo.fail_next(503, times=100)
    mailchimp.fail_next(502, times=100)
    win(client, connected)
    run_worker()
    retry_until_settled()
    settled = tasks()
    assert [task.status for task in settled] == ["dead", "dead"]
    assert "Klaviyo 503" in settled[0].last_error and "Mailchimp 502" in settled[1].last_error
    assert not klaviyo.is_subscribed(EMAIL) and mailchimp.status("list1", EMAIL) is None


def test_an_unsubscribe_during_an_outage_still_wins_over_the_queued_lead(
    client, connected, run_worker, klaviyo, mailchimp
):
    """The lead fails while the platform is down; the person unsubscribes in Mailchimp before
    the retry; the retried lead must not subscribe them again."""
    mailchimp.fail_next(503, times=2)
    klaviyo.fail_next(503, times=2)
    win(client, connected)
    run_worker()
    form = {"type": "unsubscribe", "data[email]": EMAIL, "data[list_id]": "list1"}
    listed = client.get("/admin/api/connections", headers=bearer(session_token())).get_json()
    connection_url = listed["connections"][1]["webhook_url"]
    path = "/" + connection_url.split("://", 1)[1].split("/", 1)[1]
    assert client.post(path, data=form).status_code == 200
    run_worker()
    retry_until_settled()
    assert not klaviyo.is_subscribed(EMAIL)
    assert mailchimp.status("list1", EMAIL) in ("unsubscribed", None)


def test_a_vendor_nobody_can_reach_ends_in_dead_letters_in_plain_words(
    client, connected, run_worker, klaviyo, mailchimp, caplog
):
    klaviyo.stop()  # nothing answers on their ports any more, as when the server has no way out
    mailchimp.stop()
    win(client, connected)
    run_worker()
    retry_until_settled()
    letters = client.get("/admin/api/sync/dead-letters", headers=bearer(session_token()))
    errors = sorted(letter["error"] for letter in letters.get_json()["dead_letters"])
    assert errors == [
        "Klaviyo could not be reached (no answer from its servers)",
        "Mailchimp could not be reached (no answer from its servers)",
    ]
    # The transport's own words (host, port, exception) are kept for the operator.
    assert "could not reach Klaviyo" in caplog.text and "127.0.0.1" in caplog.text
    assert "could not reach Mailchimp" in caplog.text
