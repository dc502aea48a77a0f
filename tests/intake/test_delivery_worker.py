"""How the worker treats failures: bad payloads stop, transient ones retry, attempts are capped."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from app.extensions import db, redis_queues
from app.models import Cart, Customer, DeliveryStatus, TimelineEvent, WebhookDelivery
from app.models.types import utcnow
from tests import payloads
from tests.shopify_signing import post_webhook
from workers import topics
from workers.deliveries import (
    GROUP_SIZE,
    MAX_ATTEMPTS,
    RetryLater,
    process_deliveries,
    process_delivery,
)
from workers.sweeper import sweep_deliveries


def only_delivery() -> WebhookDelivery:
    return db.session.scalar(select(WebhookDelivery))


def test_payload_the_handler_cannot_read_fails_once_with_the_reason(
    client, installed_shop, run_worker
):
    installed_shop()
    # A scopes update whose "current" is a number: the handler cannot join it.
    post_webhook(client, "app/scopes_update", {"current": 12})
    run_worker()
    delivery = only_delivery()
    assert delivery.status == DeliveryStatus.FAILED
    assert "TypeError" in delivery.error
    assert delivery.attempts == 1


def test_transient_failure_is_raised_for_rq_to_retry(client, installed_shop, monkeypatch):
    installed_shop()
    post_webhook(client, "app/scopes_update", {"current": ["read_orders"]})

    def database_locked(delivery, payload):
        raise OperationalError("UPDATE shop", {}, Exception("database is locked"))

    monkeypatch.setitem(topics.HANDLERS, "app/scopes_update", database_locked)
    delivery_id = only_delivery().id
    with pytest.raises(OperationalError):
        process_delivery(delivery_id)
    delivery = only_delivery()
    assert delivery.status == DeliveryStatus.RECEIVED  # released for the retry
    assert "database is locked" in delivery.error


def test_one_bad_delivery_does_not_hold_back_its_batch(client, installed_shop, monkeypatch):
    installed_shop()
    post_webhook(client, "app/scopes_update", {"current": ["read_orders"]})
    post_webhook(client, "app/uninstalled", payloads.shop_uninstalled())
    monkeypatch.setitem(
        topics.HANDLERS,
        "app/scopes_update",
        lambda delivery, payload: (_ for _ in ()).throw(ConnectionError("down")),
    )
    ids = [
        row.id for row in db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
    ]
    with pytest.raises(RetryLater, match="down"):
        process_deliveries(ids)
    statuses = [db.session.get(WebhookDelivery, i).status for i in ids]
    assert statuses == [DeliveryStatus.RECEIVED, DeliveryStatus.PROCESSED]


def failing_delivery(client, monkeypatch) -> int:
    """A stored delivery whose handler keeps failing as if the network were down."""
    post_webhook(client, "app/scopes_update", {"current": ["read_orders"]})
    monkeypatch.setitem(
        topics.HANDLERS,
        "app/scopes_update",
        lambda delivery, payload: (_ for _ in ()).throw(ConnectionError("down")),
    )
    return only_delivery().id


def test_attempts_are_capped(client, installed_shop, monkeypatch):
    installed_shop()
    delivery_id = failing_delivery(client, monkeypatch)
    for _ in range(MAX_ATTEMPTS):
        with pytest.raises(ConnectionError):
            process_delivery(delivery_id)
        time_passes(delivery_id)
    assert process_delivery(delivery_id) == DeliveryStatus.FAILED
    assert only_delivery().attempts == MAX_ATTEMPTS + 1
    assert only_delivery().error.startswith("gave up")


def test_processed_delivery_is_not_run_again(client, installed_shop, run_worker):
    installed_shop()
    post_webhook(client, "app/scopes_update", {"current": ["read_orders"]})
    run_worker()
    assert process_delivery(only_delivery().id) == "skipped"


def test_replay_command_gives_a_failed_delivery_another_go(
    client, installed_shop, runner, run_worker
):
    installed_shop()
    post_webhook(client, "app/scopes_update", {"current": 12})
    run_worker()
    delivery_id = only_delivery().id
    result = runner.invoke(args=["baton", "replay", str(delivery_id)])
    assert "queued" in result.output
    assert only_delivery().status == DeliveryStatus.RECEIVED


def test_text_no_database_can_store_is_cleaned_not_retried(client, installed_shop, run_worker):
    installed_shop()
    # Escapes for NUL and a lone surrogate: valid JSON that PostgreSQL cannot store as text.
    response = post_webhook(
        client,
        "customers/update",
        payloads.customer(first_name="An\u0000a", last_name="Li\ud800ma", note="\u0000"),
    )
    assert response.status_code == 200
    run_worker()
    delivery = only_delivery()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PROCESSED, 1)
    customer = db.session.scalar(select(Customer))
    assert (customer.first_name, customer.last_name) == ("Ana", "Li?ma")


def test_a_database_error_keeps_no_personal_data_on_the_row_or_in_the_log(
    client, installed_shop, monkeypatch, caplog
):
    # L7: SQLAlchemy's message repeats the bound parameters; PostgreSQL's DETAIL the values.
    installed_shop()
    post_webhook(client, "customers/create", payloads.customer(email="ana.secret@example.com"))

    def failing_write(delivery, payload):
        db.session.execute(
            text("INSERT INTO no_such_table (email) VALUES (:email)"), {"email": payload["email"]}
        )

    monkeypatch.setitem(topics.HANDLERS, "customers/create", failing_write)
    [delivery_id] = db.session.scalars(select(WebhookDelivery.id)).all()
    with pytest.raises(RetryLater) as retry:
        process_deliveries([delivery_id])
    stored = db.session.get(WebhookDelivery, delivery_id)
    assert "no_such_table" in stored.error  # what went wrong stays readable
    for text_kept in (stored.error, str(retry.value), caplog.text):
        assert "ana.secret@example.com" not in text_kept


def time_passes(delivery_id: int) -> None:
    """The clock reaches the delivery's next attempt."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    delivery.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_a_released_delivery_waits_for_its_next_attempt(client, installed_shop, monkeypatch):
    # L2: released with its old received_at, it came back every sweep: eight tries in minutes.
    installed_shop()
    delivery_id = failing_delivery(client, monkeypatch)
    with pytest.raises(ConnectionError):
        process_delivery(delivery_id)
    wait = only_delivery().next_attempt_at - utcnow()
    assert timedelta(seconds=14) <= wait <= timedelta(seconds=30)
    webhooks = redis_queues.queue("webhooks")
    assert sweep_deliveries(webhooks, grace=timedelta(0)) == 0
    assert process_delivery(delivery_id) == "skipped"  # a retried job before its time

    time_passes(delivery_id)
    assert sweep_deliveries(webhooks, grace=timedelta(0)) == 1
    with pytest.raises(ConnectionError):
        process_delivery(delivery_id)
    longer = only_delivery().next_attempt_at - utcnow()
    assert timedelta(seconds=29) <= longer <= timedelta(seconds=60)


def test_a_failure_in_a_group_of_profile_deliveries_stays_on_its_own_row(
    client, installed_shop, monkeypatch
):
    """Profile deliveries share a transaction; one that fails sends its group back to run
    one at a time, so its neighbours are still applied, each exactly once."""
    installed_shop()
    tokens = [f"cart-{n}" for n in range(6)]
    for token in tokens:
        post_webhook(client, "carts/update", payloads.cart(token=token))
    apply_cart = topics.HANDLERS["carts/update"]

    def flaky_cart(delivery, payload):
        if payload["token"] == "cart-2":
            raise ValueError("a line without a quantity")  # the payload: fails for good
        if payload["token"] == "cart-4":
            raise OperationalError("INSERT cart", {}, Exception("database is locked"))
        apply_cart(delivery, payload)

    monkeypatch.setitem(topics.HANDLERS, "carts/update", flaky_cart)
    ids = db.session.scalars(select(WebhookDelivery.id).order_by(WebhookDelivery.id)).all()
    with pytest.raises(RetryLater, match="database is locked"):
        process_deliveries(ids)
    db.session.expire_all()
    rows = {row.id: row for row in db.session.scalars(select(WebhookDelivery))}
    assert [rows[i].status for i in ids] == [
        DeliveryStatus.PROCESSED,
        DeliveryStatus.PROCESSED,
        DeliveryStatus.FAILED,
        DeliveryStatus.PROCESSED,
        DeliveryStatus.RECEIVED,  # released for its retry
        DeliveryStatus.PROCESSED,
    ]
    assert "a line without a quantity" in rows[ids[2]].error
    assert "database is locked" in rows[ids[4]].error
    stored = db.session.scalars(select(Cart.token).order_by(Cart.token)).all()
    assert stored == ["cart-0", "cart-1", "cart-3", "cart-5"]
    events = db.session.scalars(
        select(TimelineEvent.cart_token).where(TimelineEvent.kind == "cart_updated")
    ).all()
    assert sorted(events) == stored  # each applied cart has its one event


def test_profile_deliveries_are_committed_in_groups(client, installed_shop, monkeypatch):
    installed_shop()
    for n in range(GROUP_SIZE + 3):
        post_webhook(client, "carts/update", payloads.cart(token=f"cart-{n}"))
    commits = []
    monkeypatch.setattr(db.session, "commit", counting(db.session.commit, commits))
    ids = db.session.scalars(select(WebhookDelivery.id)).all()
    assert process_deliveries(ids) == {"skipped": 0, "processed": GROUP_SIZE + 3}
    # The claim, one full group and the rest: not one commit per delivery.
    assert len(commits) == 3
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Cart)) == GROUP_SIZE + 3


def counting(commit, calls: list):
    def counted():
        calls.append(1)
        return commit()

    return counted
