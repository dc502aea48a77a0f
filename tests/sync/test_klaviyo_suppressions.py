"""Klaviyo's subscribe clears its suppressions, so no lead is subscribed before Baton knows
what Klaviyo suppressed: asked address by address for a few leads, caught up on since the
last look for a burst. Both see account-wide suppressions and unsubscribes from the list."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import EmailSuppression, PlatformConnection
from app.sync.platforms import klaviyo as klaviyo_platform
from app.sync.suppression import email_hash
from tests.factories import win
from workers.sync import poll_suppressions

LIST = "list1"


def profile_lookups(klaviyo) -> int:
    return sum(path.rstrip("/") == "/api/profiles" for _, path in klaviyo.requests)


def held_by_baton(email: str) -> str | None:
    db.session.rollback()
    return db.session.scalar(
        select(EmailSuppression.reason).where(EmailSuppression.email_hash == email_hash(email))
    )


@pytest.fixture
def catching_up(monkeypatch):
    """Every lead batch counts as a burst: Klaviyo is caught up on, not asked per address."""
    monkeypatch.setattr(klaviyo_platform, "POLL_CALLS", 0)


def test_a_burst_catches_up_on_every_suppression_then_only_on_what_changed(
    client, connected, run_worker, klaviyo, catching_up
):
    klaviyo.suppress(
        "bounced-long-ago@example.com", "HARD_BOUNCE", at=datetime(2024, 1, 1, tzinfo=UTC)
    )
    klaviyo.suppress("unsubscribed@example.com")
    klaviyo.unsubscribe_from_list("left-the-list@example.com", LIST)
    for n, email in enumerate(
        (
            "bounced-long-ago@example.com",
            "unsubscribed@example.com",
            "left-the-list@example.com",
            "willing@example.com",
        )
    ):
        win(client, connected, email=email, visitor=f"visitor-{n}")
    run_worker()

    assert klaviyo.is_subscribed("willing@example.com", LIST)
    for email in ("bounced-long-ago@example.com", "unsubscribed@example.com"):
        assert klaviyo.is_suppressed(email) and not klaviyo.is_subscribed(email)
        assert "in Klaviyo" in held_by_baton(email)
    assert not klaviyo.is_subscribed("left-the-list@example.com", LIST)
    assert klaviyo.profile("left-the-list@example.com").list_suppressions[LIST]
    assert held_by_baton("left-the-list@example.com")
    # The first look read everything: one page account-wide and one of the list's.
    assert profile_lookups(klaviyo) == 2

    klaviyo.suppress("changed-their-mind@example.com")
    for n, email in enumerate(("changed-their-mind@example.com", "second@example.com"), 10):
        win(client, connected, email=email, visitor=f"visitor-{n}")
    run_worker()

    assert not klaviyo.is_subscribed("changed-their-mind@example.com")
    assert held_by_baton("changed-their-mind@example.com")
    assert klaviyo.is_subscribed("second@example.com", LIST)
    assert profile_lookups(klaviyo) == 4
    # What was heard is not spread again when the next look reads it once more.
    connection = db.session.scalar(select(PlatformConnection).filter_by(platform="klaviyo"))
    assert poll_suppressions(connection.id) == 0


def test_a_few_leads_are_asked_about_and_an_unsubscribe_from_the_list_holds_them(
    client, connected, run_worker, klaviyo
):
    klaviyo.unsubscribe_from_list("left-the-list@example.com", LIST)
    win(client, connected, email="left-the-list@example.com", visitor="visitor-1")
    win(client, connected, email="willing@example.com", visitor="visitor-2")
    run_worker()

    assert not klaviyo.is_subscribed("left-the-list@example.com", LIST)
    assert held_by_baton("left-the-list@example.com") == "unsubscribed from the list in Klaviyo"
    assert klaviyo.is_subscribed("willing@example.com", LIST)
    assert profile_lookups(klaviyo) == 1  # both addresses in one any(email, [...]) lookup
