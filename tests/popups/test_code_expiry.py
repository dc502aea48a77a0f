"""Codes stop working in Shopify when the shopper was told they would, and unissued codes go.

Shopify ends a code with its discount's endsAt, so each prize's codes are grouped in one
discount per issue day (a lot) that ends when they expire. The fake's checkout stand-in
refuses a code once its discount's endsAt has passed, as Shopify's checkout does.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Campaign, CouponCode, PrizeDiscount
from app.models.types import utcnow
from app.popups import shopify_codes
from tests.campaign_data import wheel
from tests.factories import play, token_for
from tests.shopify_signing import bearer, session_token
from workers.codes import queue_withdrawals

EXPIRY_DAYS = 7


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch):
    monkeypatch.setattr(shopify_codes, "POLL_SECONDS", (0.01,))
    monkeypatch.setattr(shopify_codes, "LOOKAHEAD", timedelta(0))
    monkeypatch.setattr(shopify_codes, "TARGET", 20)


def launch(client, installed_shop, run_worker, expiry_days=EXPIRY_DAYS) -> int:
    installed_shop()
    prize = {"label": "10% off", "kind": "percentage", "value": "10", "weight": 1}
    if expiry_days:
        prize["code_expiry_days"] = expiry_days
    response = client.post(
        "/admin/api/campaigns",
        headers=bearer(session_token()),
        json=wheel(holdout_percent=0, prizes=[prize], variants=[{"key": "A", "weight": 1}]),
    )
    run_worker()
    return response.get_json()["id"]


def win(client, campaign_id: int, email: str) -> dict:
    """A shopper plays through the signed app proxy and wins the campaign's one prize."""
    visitor = f"visitor-{email.split('@')[0]}"
    token = token_for(client, campaign_id, visitor)
    answer = play(client, campaign_id, token, email=email, visitor=visitor)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def unissued_in_shopify(shopify, lot_key: str | None = None) -> list[str]:
    """Codes nobody won that Shopify would still take (of one lot, or of any)."""
    query = select(CouponCode.code).where(CouponCode.status.in_(("available", "withdrawn")))
    if lot_key is not None:
        query = query.join(PrizeDiscount).where(PrizeDiscount.lot_key == lot_key)
    return [code for code in db.session.scalars(query) if code in shopify.codes]


def test_a_code_stops_working_in_shopify_exactly_when_the_shopper_was_told(
    client, installed_shop, run_worker, shopify
):
    campaign_id = launch(client, installed_shop, run_worker)
    won = win(client, campaign_id, "ana@example.com")
    shown = datetime.fromisoformat(won["expires_at"])

    # At least the promised days, never a day more, and the same moment as Shopify's endsAt.
    issued = utcnow()
    assert timedelta(days=EXPIRY_DAYS) <= shown - issued <= timedelta(days=EXPIRY_DAYS + 1)
    assert shown.time() == datetime.min.time() and shown.tzinfo == UTC
    [discount] = shopify.discounts.values()
    assert datetime.fromisoformat(discount["endsAt"]) == shown
    assert shopify.code_refusal(won["code"], at=shown - timedelta(seconds=1)) is None
    assert shopify.code_refusal(won["code"], at=shown) == "This discount code has expired"


def test_a_code_that_never_expires_has_an_open_ended_discount(
    client, installed_shop, run_worker, shopify
):
    campaign_id = launch(client, installed_shop, run_worker, expiry_days=None)
    won = win(client, campaign_id, "ana@example.com")
    assert won["expires_at"] is None
    [discount] = shopify.discounts.values()
    assert "endsAt" not in discount
    assert shopify.code_refusal(won["code"], at=utcnow() + timedelta(days=3650)) is None


def test_tomorrows_lot_is_ready_before_midnight(
    client, installed_shop, run_worker, shopify, monkeypatch
):
    monkeypatch.setattr(shopify_codes, "LOOKAHEAD", timedelta(hours=25))
    campaign_id = launch(client, installed_shop, run_worker)
    today = utcnow().date()
    keys = sorted(db.session.scalars(select(PrizeDiscount.lot_key)).all())
    assert keys == [f"{today + timedelta(days=d)}+{EXPIRY_DAYS}d" for d in (0, 1)]
    ends = sorted(datetime.fromisoformat(d["endsAt"]) for d in shopify.discounts.values())
    assert ends[1] - ends[0] == timedelta(days=1)
    # Today's plays take today's codes: tomorrow's would outlive what the shopper is shown.
    won = win(client, campaign_id, "ana@example.com")
    assert datetime.fromisoformat(won["expires_at"]) == ends[0]


def test_a_past_issue_days_unissued_codes_leave_shopify_and_issued_ones_run_on(
    client, installed_shop, run_worker, shopify
):
    campaign_id = launch(client, installed_shop, run_worker)
    won = win(client, campaign_id, "ana@example.com")
    # The clock moves on a day: the lot in hand is yesterday's.
    yesterdays = f"{utcnow().date() - timedelta(days=1)}+{EXPIRY_DAYS}d"
    db.session.execute(update(PrizeDiscount).values(lot_key=yesterdays))
    db.session.commit()
    assert unissued_in_shopify(shopify, yesterdays)

    assert queue_withdrawals() == 1
    run_worker()
    assert unissued_in_shopify(shopify, yesterdays) == []
    assert shopify.code_refusal(won["code"]) is None  # the winner's code still works
    lots = db.session.scalars(select(PrizeDiscount.status)).all()
    assert sorted(lots) == ["closed", "open"]  # yesterday's closed; today's made by the refill
    assert queue_withdrawals() == 0


def test_pausing_withdraws_unissued_codes_and_resuming_brings_fresh_ones(
    client, installed_shop, run_worker, shopify
):
    campaign_id = launch(client, installed_shop, run_worker)
    won = win(client, campaign_id, "ana@example.com")
    edit = client.get(f"/admin/api/campaigns/{campaign_id}", headers=bearer(session_token()))
    paused = edit.get_json() | {"status": "paused"}
    client.put(f"/admin/api/campaigns/{campaign_id}", headers=bearer(session_token()), json=paused)
    queue_withdrawals()
    run_worker()
    assert unissued_in_shopify(shopify) == []
    assert shopify.code_refusal(won["code"]) is None

    client.put(
        f"/admin/api/campaigns/{campaign_id}",
        headers=bearer(session_token()),
        json=paused | {"status": "live"},
    )
    run_worker()
    available = db.session.scalars(
        select(CouponCode.code).where(CouponCode.status == "available")
    ).all()
    assert available and all(shopify.code_refusal(code) is None for code in available)
    assert win(client, campaign_id, "bea@example.com")["code"] in available


def test_an_ended_campaigns_unissued_codes_are_withdrawn(
    client, installed_shop, run_worker, shopify
):
    campaign_id = launch(client, installed_shop, run_worker)
    won = win(client, campaign_id, "ana@example.com")
    db.session.execute(
        update(Campaign)
        .values(ends_at=utcnow() - timedelta(minutes=1))
        .where(Campaign.id == campaign_id)
    )
    db.session.commit()
    queue_withdrawals()
    run_worker()
    assert unissued_in_shopify(shopify) == []
    assert shopify.code_refusal(won["code"]) is None


def test_deleting_a_campaign_nobody_won_deletes_its_discount(
    client, installed_shop, run_worker, shopify
):
    campaign_id = launch(client, installed_shop, run_worker)
    assert len(shopify.discounts) == 1
    client.delete(f"/admin/api/campaigns/{campaign_id}", headers=bearer(session_token()))
    queue_withdrawals()
    run_worker()
    assert shopify.discounts == {} and shopify.codes == {}
    assert db.session.scalars(select(PrizeDiscount.status)).all() == ["closed"]


def test_a_withdrawal_run_twice_changes_nothing_more(client, installed_shop, run_worker, shopify):
    from workers.codes import withdraw_codes

    campaign_id = launch(client, installed_shop, run_worker)
    win(client, campaign_id, "ana@example.com")
    client.delete(f"/admin/api/campaigns/{campaign_id}", headers=bearer(session_token()))
    [lot_id] = db.session.scalars(select(PrizeDiscount.id)).all()
    first = withdraw_codes(lot_id)
    db.session.execute(update(PrizeDiscount).values(status="open"))  # as if it crashed late
    db.session.commit()
    assert first == shopify_codes.TARGET - 1
    assert withdraw_codes(lot_id) == 0
    assert len(shopify.codes) == 1  # the won code, still usable
