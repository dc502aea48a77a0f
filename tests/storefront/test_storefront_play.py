"""Offer and play through signed app-proxy requests: the shopper's whole server-side path."""

import dataclasses
import threading
import time

import pytest
import responses
from sqlalchemy import func, select

from app.extensions import db, redis_queues
from app.models import Campaign, CouponCode, Customer, Play, Prize, TimelineEvent, Visitor
from app.models.types import utcnow
from tests.campaign_data import wheel
from tests.factories import PROXY, database_mentions, offer, play, token_for
from tests.fakes.shopify_admin import FakeShopifyAdmin
from tests.shopify_signing import (
    OTHER_SHOP,
    SHOP,
    bearer,
    post_webhook,
    session_token,
    signed_proxy_query,
)


def test_offer_shows_the_game_without_the_odds(client, campaign_id):
    response = offer(client, campaign_id)
    assert response.headers["Cache-Control"] == "private, no-store"
    answer = response.get_json()
    assert answer["show"] == "game" and answer["variant"] == "A" and answer["play_token"]
    assert answer["campaign"]["slices"] == [
        {"position": 0, "label": "10% off"},
        {"position": 1, "label": "Free shipping"},
        {"position": 2, "label": "€20 off"},
    ]
    assert "weight" not in str(answer) and "cap" not in str(answer)


def test_a_play_wins_a_pool_code_and_records_lead_consent_and_visitor(client, campaign_id):
    response = play(client, campaign_id, token_for(client, campaign_id))
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["code"].startswith("SPRING-") and result["prize"]["label"]

    code = db.session.scalars(select(CouponCode).where(CouponCode.code == result["code"])).one()
    record = db.session.scalars(select(Play)).one()
    customer = db.session.scalars(select(Customer)).one()
    assert code.status == "issued" and code.play_id == record.id
    assert (code.customer_id, code.campaign_id, code.variant) == (customer.id, campaign_id, "A")
    # An unverified lead: the address was typed, and nothing vouches for it yet.
    assert (customer.email, customer.email_verified, customer.shopify_id) == (
        "ana@example.com",
        False,
        None,
    )
    assert (record.consented, record.consent_text_version, record.ip) == (
        True,
        "2026-11-v1",
        "203.0.113.7",
    )
    assert record.user_agent == "Mozilla/5.0 (iPhone)" and record.device == "mobile"
    # The browser joins no profile on the strength of a typed email.
    assert db.session.scalars(select(Visitor)).one().customer_id is None
    kinds = set(db.session.scalars(select(TimelineEvent.kind)))
    assert {"played", "popup_consent"} <= kinds


def test_the_play_token_works_once(client, campaign_id):
    token = token_for(client, campaign_id)
    assert play(client, campaign_id, token).status_code == 200
    again = play(client, campaign_id, token, email="bo@example.com")
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "invalid_play_token"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"email": "not-an-email"}, 400, "invalid_email"),
        ({"email": "someone@mailinator.com"}, 400, "disposable_email"),
        ({"email": "x@sub.yopmail.com"}, 400, "disposable_email"),
        ({"consent": False}, 400, "consent_required"),
        ({"visitor_id": "x"}, 400, "invalid_visitor"),
        ({"campaign_id": "abc"}, 400, "invalid_campaign"),
    ],
)
def test_bad_plays_get_clear_errors_and_win_nothing(client, campaign_id, change, status, code):
    response = play(client, campaign_id, token_for(client, campaign_id), **change)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert db.session.scalar(select(func.sum(Prize.awarded_count))) == 0
    assert db.session.scalar(select(func.count()).select_from(Play)) == 0


def test_one_play_per_email_and_per_visitor(client, campaign_id):
    assert play(client, campaign_id, token_for(client, campaign_id)).status_code == 200
    # Same email from another browser.
    other = token_for(client, campaign_id, visitor="visitor-0002")
    response = play(client, campaign_id, other, visitor="visitor-0002", email="ANA@example.com ")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "already_played"
    # Same browser: the offer itself now says so.
    assert offer(client, campaign_id).get_json() == {"show": "reminder", "reason": "already_played"}


def test_known_subscriber_sees_a_reminder_not_a_game(client, campaign_id):
    db.session.add(
        Customer(
            shop_domain=SHOP,
            shopify_id=555,
            email="sub@example.com",
            email_consent_state="subscribed",
        )
    )
    db.session.commit()
    answer = offer(client, campaign_id, customer="555").get_json()
    assert answer == {"show": "reminder", "reason": "known_subscriber"}


def test_recent_buyers_and_excluded_tags_are_suppressed(client, campaign_id):
    db.session.add_all(
        [
            Customer(
                shop_domain=SHOP, shopify_id=556, email="buyer@example.com", last_order_at=utcnow()
            ),
            Customer(
                shop_domain=SHOP, shopify_id=557, email="b2b@example.com", tags="Wholesale, net30"
            ),
        ]
    )
    db.session.commit()
    assert offer(client, campaign_id, customer="556").get_json()["reason"] == "recent_buyer"
    assert offer(client, campaign_id, customer="557").get_json()["reason"] == "excluded_tag"


def test_holdout_visitors_see_nothing_and_keep_their_bucket(client, campaign_id):
    client.put(
        f"/admin/api/campaigns/{campaign_id}",
        headers=bearer(session_token()),
        json=wheel(holdout_percent=50),
    )
    answers = [
        offer(client, campaign_id, visitor=f"visitor-{n:04d}").get_json()["show"] for n in range(60)
    ]
    assert 10 < answers.count("nothing") < 50
    again = [
        offer(client, campaign_id, visitor=f"visitor-{n:04d}").get_json()["show"] for n in range(60)
    ]
    assert again == answers


def test_rate_limit_per_ip_answers_429_with_retry_after(client, campaign_id):
    statuses = []
    for n in range(12):
        visitor = f"visitor-r{n:03d}"
        response = play(
            client,
            campaign_id,
            token_for(client, campaign_id, visitor),
            email=f"r{n}@example.com",
            visitor=visitor,
            ip="198.51.100.9",
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    assert int(response.headers["Retry-After"]) > 0


def test_dry_pool_with_no_worker_answering_is_a_503_and_awards_nothing(
    app, client, campaign_id, monkeypatch
):
    # With a worker, a dry pool still pays out (tests/demo/test_demo_storefront.py); without one,
    # the shopper is told to come back rather than shown a code Shopify does not hold.
    settings = dataclasses.replace(app.config["BATON"], code_wait_seconds=1)
    monkeypatch.setitem(app.config, "BATON", settings)
    db.session.execute(CouponCode.__table__.delete())
    db.session.commit()
    # Every prize of this wheel needs a code, so whatever the draw picks, none is left.
    response = play(client, campaign_id, token_for(client, campaign_id))
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "codes_unavailable"
    assert db.session.scalar(select(func.sum(Prize.awarded_count))) == 0


def test_paused_campaign_offers_nothing_and_refuses_plays(client, campaign_id):
    token = token_for(client, campaign_id)
    client.put(
        f"/admin/api/campaigns/{campaign_id}",
        headers=bearer(session_token()),
        json=wheel(status="paused"),
    )
    assert offer(client, campaign_id).get_json()["show"] == "nothing"
    assert play(client, campaign_id, token).status_code == 410


def test_another_shops_campaign_is_not_reachable(client, campaign_id, installed_shop):
    installed_shop(OTHER_SHOP)
    answer = offer(client, campaign_id, shop=OTHER_SHOP).get_json()
    assert answer == {"show": "nothing", "reason": "not_running"}


def test_forged_proxy_signature_is_refused(client, campaign_id):
    query = signed_proxy_query(
        PROXY | {"campaign_id": str(campaign_id), "visitor_id": "visitor-0001"},
        secret="forged-forged-forged-forged-forged",
    )
    assert client.get("/proxy/offer", query_string=query).status_code == 401


def play_concurrently(app, campaign_id, players: int, name: str) -> list[tuple[int, dict]]:
    """Each player fetches an offer, then all play at once, each from its own client."""
    with app.test_client() as client:
        tokens = [
            token_for(client, campaign_id, visitor=f"visitor-{name}{n:03d}") for n in range(players)
        ]
    results = []

    def player(n):
        with app.test_client() as own_client:
            response = play(
                own_client,
                campaign_id,
                tokens[n],
                email=f"{name}{n}@example.com",
                visitor=f"visitor-{name}{n:03d}",
                ip=f"192.0.2.{n}",
            )
            results.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=player, args=(n,)) for n in range(players)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_forty_concurrent_players_get_forty_distinct_codes(app, campaign_id):
    results = play_concurrently(app, campaign_id, 40, "c")
    assert [status for status, _ in results] == [200] * 40
    codes = [answer["code"] for _, answer in results]
    assert len(set(codes)) == 40


def test_customers_redact_leaves_no_personal_data_in_plays(client, campaign_id, run_worker):

    offer_sms(campaign_id)
    token = token_for(client, campaign_id)
    assert play(client, campaign_id, token, phone="+447700900123").status_code == 200
    assert "play.email" in database_mentions("ana@example.com")
    redact = {"shop_id": 1, "shop_domain": SHOP, "customer": {"email": "ana@example.com"}}
    assert (
        post_webhook(client, "customers/redact", redact, path="/webhooks/compliance").status_code
        == 200
    )
    # The worker also runs the campaign's queued refills, which talk to Shopify.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        FakeShopifyAdmin(mock, SHOP)
        run_worker()
    assert database_mentions("ana@example.com") == []
    assert database_mentions("203.0.113.7") == []
    assert database_mentions("+447700900123") == []
    kept = db.session.scalars(select(Play)).one()  # the play still counts for the campaign
    assert kept.visitor_key is None and kept.user_agent is None and kept.code is not None


def offer_sms(campaign_id):
    campaign = db.session.get(Campaign, campaign_id)
    campaign.content = dict(campaign.content) | {"sms_field": True}
    db.session.commit()


def test_the_optional_sms_number_is_kept_with_its_consent(client, campaign_id):
    offer_sms(campaign_id)
    token = token_for(client, campaign_id)
    answer = play(client, campaign_id, token, phone="+44 7700 900123", sms_consent=True)
    assert answer.status_code == 200
    stored = db.session.scalars(select(Play)).one()
    assert (stored.phone, stored.sms_consented) == ("+447700900123", True)


@pytest.mark.parametrize("phone", ["07700 900123", "+44 77", "+44 7700 9001 2345 6789", "call me"])
def test_a_malformed_sms_number_is_a_400_and_no_play(client, campaign_id, phone):
    offer_sms(campaign_id)
    answer = play(client, campaign_id, token_for(client, campaign_id), phone=phone)
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == "invalid_phone"
    assert db.session.scalar(select(func.count()).select_from(Play)) == 0


def test_no_sms_number_is_kept_when_the_campaign_does_not_ask_for_one(client, campaign_id):
    token = token_for(client, campaign_id)
    answer = play(client, campaign_id, token, phone="+447700900123", sms_consent=True)
    assert answer.status_code == 200
    stored = db.session.scalars(select(Play)).one()
    assert (stored.phone, stored.sms_consented) == (None, False)


def test_concurrent_players_never_win_a_capped_prize_past_its_cap(app, campaign_id):
    # Almost every draw picks the capped prize; once its 5 awards are gone, a play that
    # drew it is undone and drawn again among the rest, so nobody is refused.
    prizes = db.session.scalars(select(Prize).where(Prize.campaign_id == campaign_id)).all()
    for prize in prizes:
        prize.weight, prize.cap = (10_000, 5) if prize.cap else (1, None)
    db.session.commit()
    capped_id = next(prize.id for prize in prizes if prize.cap)
    results = play_concurrently(app, campaign_id, 30, "k")
    assert [status for status, _ in results] == [200] * 30, results
    won_capped = [answer for _, answer in results if answer["prize"]["id"] == capped_id]
    assert len(won_capped) == 5
    db.session.expire_all()
    assert db.session.get(Prize, capped_id).awarded_count == 5
    assert db.session.scalar(select(func.count()).where(Play.prize_id == capped_id)) == 5
    assert db.session.scalar(select(func.sum(Prize.awarded_count))) == 30


def test_a_forged_first_forwarded_address_does_not_escape_the_ip_limit(client, campaign_id):
    # M6: the browser may send any X-Forwarded-For; Shopify's proxy appends the address it saw.
    # 21 plays: even split across two one-minute windows, one window holds more than 10.
    statuses = []
    for n in range(21):
        visitor = f"visitor-f{n:03d}"
        response = client.post(
            "/proxy/play",
            query_string=signed_proxy_query(PROXY),
            json={
                "campaign_id": campaign_id,
                "play_token": token_for(client, campaign_id, visitor),
                "email": f"f{n}@example.com",
                "consent": True,
                "visitor_id": visitor,
            },
            headers={"X-Forwarded-For": f"10.9.{n}.1, 198.51.100.77"},
        )
        statuses.append(response.status_code)
    assert 429 in statuses and statuses.count(200) <= 20
    assert set(db.session.scalars(select(Play.ip))) == {"198.51.100.77"}


@pytest.mark.parametrize(
    "spelling",
    ["Ana@Example.com", "ana+wheel@example.com", "a.n.a@gmail.com", "ana+1@googlemail.com"],
)
def test_one_play_per_inbox_whatever_its_spelling(client, campaign_id, spelling):
    # M6: capitals, +tags and Gmail's dots reach the same inbox: one play, not one per spelling.
    first = (
        "ana@gmail.com" if spelling.endswith(("gmail.com", "googlemail.com")) else "ana@example.com"
    )
    assert play(client, campaign_id, token_for(client, campaign_id), email=first).status_code == 200
    again = play(
        client,
        campaign_id,
        token_for(client, campaign_id, "visitor-0002"),
        email=spelling,
        visitor="visitor-0002",
        ip="198.51.100.200",
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_played"


@pytest.mark.parametrize("address", ["x@0-mail.com", "x@mail.10minutemail.net"])
def test_throwaway_inboxes_from_the_published_list_are_refused(client, campaign_id, address):
    answer = play(client, campaign_id, token_for(client, campaign_id), email=address)
    assert answer.get_json()["error"]["code"] == "disposable_email"


def test_the_shops_own_disposable_domains_are_refused(app, client, campaign_id, monkeypatch):
    settings = dataclasses.replace(
        app.config["BATON"], disposable_domains=frozenset({"throwaway.example"})
    )
    monkeypatch.setitem(app.config, "BATON", settings)
    answer = play(client, campaign_id, token_for(client, campaign_id), email="x@throwaway.example")
    assert answer.get_json()["error"]["code"] == "disposable_email"


def test_a_play_token_expires(client, campaign_id):
    token = token_for(client, campaign_id)
    key = f"baton:play-token:{token}"
    assert 0 < redis_queues.connection.ttl(key) <= 30 * 60
    redis_queues.connection.pexpire(key, 1)
    time.sleep(0.05)
    answer = play(client, campaign_id, token)
    assert answer.get_json()["error"]["code"] == "invalid_play_token"
