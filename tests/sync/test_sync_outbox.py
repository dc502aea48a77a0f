"""The sync outbox through its real entry points: plays, Shopify webhooks, the admin API and
Mailchimp's list webhook. The vendors themselves are exercised in tests/sync/test_email_sync.py."""

import pytest
from sqlalchemy import func, select

from app.extensions import db, redis_queues
from app.models import EmailSuppression, PlatformConnection, SyncTask
from app.sync.outbox import subject_email
from app.sync.outcomes import PERMANENT, TRANSIENT, by_status
from app.sync.suppression import email_hash
from tests import payloads
from tests.shopify_signing import OTHER_SHOP, SHOP, bearer, post_webhook, session_token
from workers.main import BatonWorker, dispatch_step


@pytest.fixture
def connected(installed_shop):
    """A shop with both platforms connected (rows as a successful connect leaves them)."""
    installed_shop()
    installed_shop(OTHER_SHOP)
    db.session.add_all(
        [
            PlatformConnection(
                shop_domain=SHOP, platform="klaviyo", api_key="pk_live_x", list_id="L1"
            ),
            PlatformConnection(
                shop_domain=SHOP,
                platform="mailchimp",
                api_key="k-us1",
                list_id="a1",
                webhook_secret="s3cret-value-for-the-url",
            ),
        ]
    )
    db.session.commit()


def tasks(**where) -> list[tuple]:
    """(platform, operation, subject), a consent task's subject read as its address."""
    db.session.rollback()
    rows = db.session.execute(
        select(SyncTask.platform, SyncTask.operation, SyncTask.subject).filter_by(**where)
    ).all()
    return sorted(
        (platform, operation, subject_email(subject)) for platform, operation, subject in rows
    )


def deliver(client, topic, payload):
    """Intake, then the webhook queue only: the sync jobs it queues stay queued."""
    assert post_webhook(client, topic, payload).status_code == 200
    while dispatch_step(wait_seconds=0.05):
        pass
    webhooks = redis_queues.queue("webhooks")
    BatonWorker([webhooks], connection=redis_queues.connection).work(burst=True)


def test_an_unsubscribe_in_shopify_suppresses_and_queues_every_platform(client, connected):
    deliver(client, "customers/create", payloads.customer())
    deliver(client, "customers_email_marketing_consent/update", payloads.consent_update())
    assert tasks(operation="suppress") == [
        ("klaviyo", "suppress", "ana@example.com"),
        ("mailchimp", "suppress", "ana@example.com"),
    ]
    held = db.session.scalars(select(EmailSuppression)).one()
    assert (held.email_hash, held.source) == (email_hash("ana@example.com"), "shopify")


def test_a_replayed_unsubscribe_queues_nothing_new(client, connected):
    deliver(client, "customers/create", payloads.customer())
    update = payloads.consent_update()
    deliver(client, "customers_email_marketing_consent/update", update)
    deliver(client, "customers_email_marketing_consent/update", update)
    assert len(tasks(operation="suppress")) == 2


def test_a_checkout_with_an_email_queues_started_checkout_once(client, connected):
    checkout = payloads.checkout()
    deliver(client, "checkouts/create", checkout)
    deliver(client, "checkouts/update", checkout | {"updated_at": "2026-11-22T12:00:00Z"})
    assert tasks(operation="checkout") == [
        ("klaviyo", "checkout", checkout["token"]),
        ("mailchimp", "checkout", checkout["token"]),
    ]


def test_mailchimp_checks_the_url_with_a_get(client, connected):
    connection = db.session.scalar(select(PlatformConnection).filter_by(platform="mailchimp"))
    url = f"/webhooks/mailchimp/{connection.id}/{connection.webhook_secret}"
    assert client.get(url).status_code == 200


def test_a_mailchimp_unsubscribe_spreads_to_klaviyo_and_shopify(client, connected):
    connection = db.session.scalar(select(PlatformConnection).filter_by(platform="mailchimp"))
    url = f"/webhooks/mailchimp/{connection.id}/{connection.webhook_secret}"
    form = {"type": "unsubscribe", "data[email]": "Ana@Example.com", "data[list_id]": "a1"}
    assert client.post(url, data=form).status_code == 200
    assert tasks() == [
        ("klaviyo", "suppress", "ana@example.com"),
        ("mailchimp", "suppress", "ana@example.com"),
        ("shopify", "consent", "ana@example.com"),
    ]
    assert db.session.scalars(select(EmailSuppression.source)).all() == ["mailchimp"]


@pytest.mark.parametrize(
    "path_secret, form, status",
    [
        ("wrong-secret", {"type": "unsubscribe", "data[email]": "a@example.com"}, 404),
        (None, {"type": "unsubscribe", "data[email]": "not-an-email"}, 400),
        (None, {"type": "unsubscribe", "data[email]": "a@example.com", "data[list_id]": "zz"}, 400),
        (None, {"type": "profile", "data[email]": "a@example.com"}, 200),
    ],
)
def test_bad_mailchimp_webhooks_get_clear_answers(client, connected, path_secret, form, status):
    connection = db.session.scalar(select(PlatformConnection).filter_by(platform="mailchimp"))
    secret = path_secret or connection.webhook_secret
    answer = client.post(f"/webhooks/mailchimp/{connection.id}/{secret}", data=form)
    assert answer.status_code == status
    if status != 200:
        assert "error" in answer.get_json()
    assert db.session.scalar(select(func.count()).select_from(EmailSuppression)) == 0


def test_connections_need_a_session_token_and_never_show_keys(client, connected):
    assert client.get("/admin/api/connections").status_code == 401
    listed = client.get("/admin/api/connections", headers=bearer(session_token())).get_json()
    assert [c["platform"] for c in listed["connections"]] == ["klaviyo", "mailchimp"]
    assert "pk_live_x" not in str(listed) and "k-us1" not in str(listed)
    mailchimp = listed["connections"][1]
    assert mailchimp["webhook_url"].endswith("/s3cret-value-for-the-url")
    other = client.get("/admin/api/connections", headers=bearer(session_token(OTHER_SHOP)))
    assert other.get_json() == {"connections": []}


def test_keys_are_encrypted_at_rest(connected):
    raw = db.session.execute(db.text("SELECT api_key FROM platform_connection")).scalars().all()
    assert raw and all("pk_live_x" not in value and "k-us1" not in value for value in raw)


@pytest.mark.parametrize(
    "platform, body, field",
    [
        ("klaviyo", {"list_id": "L1"}, "api_key"),
        ("klaviyo", {"api_key": "pk"}, "list_id"),
        ("mailchimp", {"api_key": "no-data-center-", "list_id": "a1"}, "api_key"),
    ],
)
def test_incomplete_connections_are_400s_naming_the_field(client, connected, platform, body, field):
    answer = client.put(
        f"/admin/api/connections/{platform}", json=body, headers=bearer(session_token())
    )
    assert answer.status_code == 400
    assert field in answer.get_json()["error"]["fields"]


def test_dead_letters_can_be_retried_or_discarded_by_their_shop_only(client, connected):
    dead = SyncTask(
        shop_domain=SHOP,
        platform="klaviyo",
        operation="lead",
        subject="1",
        status="dead",
        attempts=8,
        last_error="Klaviyo 400: profile email is invalid",
    )
    db.session.add(dead)
    db.session.commit()
    mine, theirs = bearer(session_token()), bearer(session_token(OTHER_SHOP))
    listed = client.get("/admin/api/sync/dead-letters", headers=mine).get_json()["dead_letters"]
    assert listed[0]["error"] == "Klaviyo 400: profile email is invalid"
    assert client.get("/admin/api/sync/dead-letters", headers=theirs).get_json() == {
        "dead_letters": []
    }
    url = f"/admin/api/sync/dead-letters/{dead.id}"
    assert client.post(f"{url}/retry", headers=theirs).status_code == 404
    assert client.post(f"{url}/retry", headers=mine).get_json()["status"] == "pending"
    assert redis_queues.queue("sync").count == 1  # announced after the commit
    assert client.post(f"{url}/discard", headers=mine).status_code == 404  # no longer dead


@pytest.mark.parametrize(
    "status, kind",
    [(429, TRANSIENT), (500, TRANSIENT), (502, TRANSIENT), (0, TRANSIENT), (400, PERMANENT)],
)
def test_vendor_statuses_become_outcomes(status, kind):
    assert by_status(status, "x").kind == kind


def test_the_sweeper_puts_back_tasks_a_dead_worker_was_sending(connected):
    from datetime import timedelta

    from app.models.types import utcnow
    from workers.sweeper import sweep_sync_tasks

    long_ago = utcnow() - timedelta(hours=1)
    db.session.add_all(
        [
            SyncTask(
                shop_domain=SHOP,
                platform="klaviyo",
                operation="lead",
                subject=str(n),
                status=status,
                attempts=0,
                updated_at=long_ago,
            )
            for n, status in enumerate(["sending", "pending", "done"])
        ]
    )
    db.session.commit()
    assert sweep_sync_tasks() == 1  # one batch key to flush
    assert sorted(db.session.scalars(select(SyncTask.status)).all()) == [
        "done",
        "pending",
        "pending",
    ]
    assert redis_queues.queue("sync").count == 1


def test_a_mailchimp_form_with_invalid_utf8_is_answered_not_crashed(client, connected):
    # A lone surrogate (%ED%A0%80) is invalid UTF-8 that a hostile client can still send.
    connection = db.session.scalar(select(PlatformConnection).filter_by(platform="mailchimp"))
    url = f"/webhooks/mailchimp/{connection.id}/{connection.webhook_secret}"
    response = client.post(
        url,
        data=b"type=%ED%A0%80&data%5Bemail%5D=ana%40example.com",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
