"""A play, decided on the server: token, checks, draw, code, lead and consent, in one go."""

import functools
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app.emails import normalise_email, play_key
from app.extensions import db, redis_queues
from app.loyalty.earning import award_bonus
from app.models import Campaign, CouponCode, Play, Prize
from app.models.types import utcnow
from app.popups.addresses import is_disposable
from app.popups.audience import Shopper, already_played
from app.popups.codes import take_code
from app.popups.draw import award, choose
from app.popups.pools import wait_for_fresh_code
from app.popups.shopify_codes import current_lot_key
from app.problems import Conflict, Ended, Invalid, Limited, Unavailable
from app.profiles.customers import queue_profile_sync
from app.profiles.identity import attach_visitor, lead_profile, resolve_customer
from app.profiles.timeline import event_row, record_events
from app.sync.outbox import queue_sync

TOKEN_TTL_SECONDS = 30 * 60
# Per shopper IP per minute: generous for people, tight for scripts. The per-shop ceiling
# (BATON_PLAY_LIMIT_PER_SHOP_MINUTE) only stops runaway abuse, not a busy flash campaign.
IP_LIMIT_PER_MINUTE = 10
# Offers come once per trigger and page; a script minting visitors to skew the exposure
# counts (lift, variants) needs many more.
OFFER_LIMIT_PER_IP_MINUTE = 60


@dataclass(frozen=True)
class PlayRequest:
    """What the widget sends, plus what the proxy and the server know about the request."""

    shop_domain: str
    campaign_id: int
    play_token: str
    email: str
    consented: bool
    visitor_key: str
    cart_token: str | None
    logged_in_customer_id: str | None
    ip: str
    user_agent: str
    device: str | None
    phone: str = ""
    sms_consented: bool = False


def issue_play_token(campaign_id: int, visitor_key: str, variant_key: str) -> str:
    """A one-use token that ties a play to the offer the visitor was shown."""
    token = secrets.token_urlsafe(24)
    redis_queues.connection.set(
        f"baton:play-token:{token}",
        json.dumps({"campaign": campaign_id, "visitor": visitor_key, "variant": variant_key}),
        ex=TOKEN_TTL_SECONDS,
    )
    return token


def check_rate_limits(shop_domain: str, ip: str) -> None:
    """Plays: fixed one-minute windows in Redis, per shopper IP and per shop; a 429 says when
    to come back."""
    window = int(utcnow().timestamp() // 60)
    shop_limit = current_app.config["BATON"].play_limit_per_shop_minute
    _within_limits(
        {
            f"baton:rate:ip:{shop_domain}:{ip}:{window}": IP_LIMIT_PER_MINUTE,
            f"baton:rate:shop:{shop_domain}:{window}": shop_limit,
        }
    )


def check_offer_limit(shop_domain: str, ip: str) -> None:
    """Offers: a one-minute window per shopper IP."""
    window = int(utcnow().timestamp() // 60)
    _within_limits({f"baton:rate:offer:{shop_domain}:{ip}:{window}": OFFER_LIMIT_PER_IP_MINUTE})


def _within_limits(limits: dict[str, int]) -> None:
    pipe = redis_queues.connection.pipeline(transaction=False)  # one round trip for all
    for name in limits:
        pipe.incr(name).expire(name, 120)
    counts = pipe.execute()[::2]
    if any(count > limit for count, limit in zip(counts, limits.values(), strict=True)):
        retry = 60 - int(utcnow().timestamp()) % 60
        raise Limited("rate_limited", "Too many tries; please wait a moment.", retry_after=retry)


class PoolDry(Exception):
    """The drawn prize has no confirmed code left; carries the prize's id."""


class PrizeCapped(Exception):
    """A concurrent play took the drawn prize's last award; carries the prize's id."""


def play(request: PlayRequest, campaign: Campaign | None) -> dict:
    """Validate, draw, take a code and record everything; raises a Problem with a clear code.

    A dry pool does not fail the play: everything so far is rolled back, the worker creates
    one code in Shopify while we wait (holding no locks it needs), and the play runs again.
    """
    variant = _consume_token(request)
    try:
        return _play_drawing(request, campaign, variant)
    except PoolDry as dry:
        db.session.rollback()
        wait = current_app.config["BATON"].code_wait_seconds
        if not wait_for_fresh_code(dry.args[0], wait):
            raise _codes_unavailable() from dry
    try:
        return _play_drawing(request, campaign, variant)
    except PoolDry as dry:
        db.session.rollback()
        raise _codes_unavailable() from dry


def _play_drawing(request: PlayRequest, campaign: Campaign | None, variant: str) -> dict:
    """Play; if the prize drawn filled its cap meanwhile, undo and draw among the rest."""
    capped: set[int] = set()
    while True:
        try:
            return _play_once(request, campaign, variant, capped)
        except PrizeCapped as full:
            db.session.rollback()
            capped.add(full.args[0])


def _codes_unavailable() -> Unavailable:
    # Never show a code Shopify does not have; the refill worker tops the pool up.
    return Unavailable(
        "codes_unavailable", "We are preparing more prizes; try again in a minute.", retry_after=30
    )


def _play_once(
    request: PlayRequest, campaign: Campaign | None, variant: str, capped: set[int]
) -> dict:
    now = utcnow()
    if campaign is None or not campaign.is_running(now):
        raise Ended("campaign_not_running", "This offer has ended.")
    email = _checked_email(request.email)
    phone = _checked_phone(request.phone) if (campaign.content or {}).get("sms_field") else None
    if (campaign.consent or {}).get("required", True) and not request.consented:
        raise Invalid("consent_required", "Please tick the box to agree to emails.")
    customer = _player(request, email)
    if already_played(campaign, Shopper(request.visitor_key, customer), play_key(email)):
        raise Conflict("already_played", "You have already played this game.")
    prize = choose([prize for prize in campaign.prizes if prize.id not in capped])
    if prize is None:
        raise Conflict("no_prizes_left", "All prizes have been won. Thanks for playing!")
    code = _code_for(prize, now)
    recorded = _record(request, campaign, variant, prize, code, customer, email, now, phone)
    # Last, just before the commit: every play of a campaign updates its prize's row, and
    # the database holds that row's lock until commit, so earlier it queued whole plays.
    if not award(prize):
        raise PrizeCapped(prize.id)
    return _answer(recorded, prize, code)


def _consume_token(request: PlayRequest) -> str:
    # GETDEL makes the token single-use even when two requests race with it.
    raw = redis_queues.connection.getdel(f"baton:play-token:{request.play_token}")
    offer = json.loads(raw) if raw else None
    if (
        not offer
        or offer["campaign"] != request.campaign_id
        or offer["visitor"] != request.visitor_key
    ):
        raise Invalid("invalid_play_token", "This game has expired; reload the page to play again.")
    return offer["variant"]


def _checked_email(raw: str) -> str:
    email = normalise_email(raw)
    if email is None:
        raise Invalid("invalid_email", "Please enter a valid email address.")
    if is_disposable(email, current_app.config["BATON"].disposable_domains):
        raise Invalid("disposable_email", "Please use an email address you keep.")
    return email


def _checked_phone(raw: str) -> str | None:
    # Optional: empty means no number. Otherwise E.164: +, then 8 to 15 digits.
    digits = "".join(ch for ch in raw if ch not in " -().")
    if not digits:
        return None
    if not (digits.startswith("+") and digits[1:].isdigit() and 8 <= len(digits) - 1 <= 15):
        raise Invalid(
            "invalid_phone", "Please enter your mobile number with its country code, +44…"
        )
    return digits


def _player(request: PlayRequest, email: str):
    """The profile a play joins: the signed-in Shopify customer (the proxy signs the id), or
    the unverified lead of the typed email, or none when Shopify vouches for that address."""
    shopify_id = _shopify_id(request)
    if shopify_id is not None:
        return resolve_customer(request.shop_domain, shopify_id, None)
    return lead_profile(request.shop_domain, email)


def _shopify_id(request: PlayRequest) -> int | None:
    raw = request.logged_in_customer_id
    return int(raw) if raw and raw.isdigit() else None


def _code_for(prize: Prize, now: datetime) -> CouponCode | None:
    if prize.kind == "none":
        return None
    # The code's expiry is its lot's: the moment Shopify's discount for it ends.
    code = take_code(prize.id, current_lot_key(prize, now), issued_at=now)
    if code is None:
        raise PoolDry(prize.id)
    return code


def _record(
    request: PlayRequest,
    campaign: Campaign,
    variant: str,
    prize: Prize,
    code: CouponCode | None,
    customer,
    email: str,
    now: datetime,
    phone: str | None,
) -> Play:
    record = Play(
        shop_domain=request.shop_domain,
        campaign_id=campaign.id,
        variant_key=variant,
        prize_id=prize.id,
        customer_id=customer.id if customer else None,
        # As typed: unverified, kept for the lead's email and the consent record only.
        email=email,
        email_key=play_key(email),
        shopify_customer_id=_shopify_id(request),
        visitor_key=request.visitor_key,
        code=code.code if code else None,
        consented=request.consented,
        consent_text_version=(campaign.consent or {}).get("version"),
        phone=phone,
        sms_consented=bool(phone) and request.sms_consented,
        ip=request.ip,
        user_agent=request.user_agent[:500],
        device=request.device,
        created_at=now,
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError as error:
        # The unique constraints settle a race between two plays of the same shopper.
        raise Conflict("already_played", "You have already played this game.") from error
    if code is not None:
        code.customer_id, code.play_id = (customer.id if customer else None), record.id
        code.campaign_id, code.variant = campaign.id, variant
    # The visitor and its cart join a profile only when Shopify vouches for it (signed in):
    # a typed email must not put this browser's cart under someone else's name.
    vouched = customer.id if customer is not None and customer.shopify_id else None
    attach_visitor(request.shop_domain, request.visitor_key, vouched, request.cart_token)
    # In the play's transaction: the sync task exists exactly when the play does.
    queue_sync(request.shop_domain, "lead", str(record.id))
    if customer is not None and request.consented:
        if award_bonus(request.shop_domain, customer.id, "signup", now):
            queue_profile_sync(customer, now)
    _timeline(record, campaign, prize, request, now)
    return record


def _timeline(
    record: Play, campaign: Campaign, prize: Prize, request: PlayRequest, now: datetime
) -> None:
    # Both events in one statement: a play's round trips are its latency.
    details = {
        "campaign": campaign.name,
        "game": campaign.game,
        "variant": record.variant_key,
        "prize": prize.label,
        "code": record.code,
    }
    shop, key, customer = record.shop_domain, f"play:{record.id}", record.customer_id
    events = [event_row(shop, "played", "popup", now, key, customer_id=customer, details=details)]
    if request.consented:
        # The consent record: which text, when, from where.
        consent = {
            "text_version": record.consent_text_version,
            "sms": record.sms_consented,
            "ip": request.ip,
            "user_agent": record.user_agent,
        }
        events.append(
            event_row(
                shop,
                "popup_consent",
                "popup",
                now,
                f"{key}:consent",
                customer_id=customer,
                details=consent,
            )
        )
    record_events(events)


def _answer(record: Play, prize: Prize, code: CouponCode | None) -> dict:
    return {
        "play_id": record.id,
        "prize": {
            "id": prize.id,
            "label": prize.label,
            "kind": prize.kind,
            "value": str(prize.value),
            "position": prize.position,
        },
        "code": code.code if code else None,
        "expires_at": code.expires_at.isoformat() if code and code.expires_at else None,
    }


def campaign_for_play(shop_domain: str, campaign_id: int) -> Campaign | None:
    """The campaign a storefront request names, only within that shop."""
    found = db.session.scalars(_campaign_in_shop(), {"campaign": campaign_id, "shop": shop_domain})
    return found.unique().first()


@functools.cache
def _campaign_in_shop():
    # Built once: every play and offer asks. The prizes come in the same round trip: every
    # play draws among them and every offer shows them.
    return (
        select(Campaign)
        .where(Campaign.id == bindparam("campaign"), Campaign.shop_domain == bindparam("shop"))
        .options(joinedload(Campaign.prizes))
    )
