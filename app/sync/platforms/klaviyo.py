"""Klaviyo: leads as bulk events and subscription jobs, suppressions polled, imports in jobs.

A lead is the event "Baton Popup Won" (unique per play) with the code, prize and campaign as
profile properties, then, with consent, a subscription to the list naming the campaign.
Klaviyo's subscribe clears a suppression, so every address is checked first, against Baton's
list and Klaviyo's own: a few addresses by asking about them, a burst by catching up on what
Klaviyo suppressed since the last look. Backfills read every suppression before subscribing.
"""

import json
import time
from datetime import UTC, datetime, timedelta

from flask import current_app

from app.extensions import redis_queues
from app.models import PlatformConnection
from app.models.types import utcnow
from app.problems import Invalid
from app.sync.outbox import subject_email
from app.sync.outcomes import SUPPRESSED, Outcome, done
from app.sync.platform_events import platform_unsubscribed
from app.sync.platforms.base import ONE_BY_ONE, BackfillState, ConnectForm, Platform
from app.sync.platforms.connections import refused, require_form, save_connection
from app.sync.platforms.klaviyo_account import PROFILES_PAGE, KlaviyoAccount, KlaviyoError
from app.sync.profile_facts import consented, consented_at
from app.sync.subjects import (
    checkout_of,
    lead_of,
    learn_suppression,
    loyalty_event_of,
    profile_of,
)
from app.sync.suppression import (
    email_hash,
    held_hashes,
    record_suppression,
    suppression_reason,
)

# Customers per backfill page, each page one import job (Klaviyo takes up to 10,000). A
# page is held in memory whole (rows, facts, the body and the SDK's copy of it): 10,000 took
# the worker to 216 MiB, 2,500 to 147 MiB, for three more jobs and polls per 10,000.
BACKFILL_PAGE = 2_500
IMPORT_BYTES = 5_000_000  # Klaviyo's byte limit per import job
ENVELOPE_BYTES = 1_000  # room for the JSON:API envelope around the profiles
BACKFILL_SOURCE = "Baton backfill: Shopify consent"
IMPORT_POLL_SECONDS = 1
IMPORT_WAIT_SECONDS = 900
EVERY_SUPPRESSION = datetime(2000, 1, 1, tzinfo=UTC)  # before Klaviyo: "since ever"
REREAD = timedelta(minutes=5)
POLL_CALLS = 2  # a look at what changed: account-wide suppressions, then the list's


class Klaviyo(Platform):
    name, label = "klaviyo", "Klaviyo"
    key_hint = "a Klaviyo private API key (pk_...)"
    batch_sizes = {
        "lead": 1000,
        "suppress": 100,
        "profile": ONE_BY_ONE,
        "checkout": ONE_BY_ONE,
        "loyalty_event": ONE_BY_ONE,
    }
    polls_suppressions = True
    backfill_page_size = BACKFILL_PAGE

    def client(self, connection: PlatformConnection) -> KlaviyoAccount:
        return _account(connection.api_key, connection.list_id)

    def connect(self, shop_domain: str, form: ConnectForm) -> PlatformConnection:
        """Check the key with get_accounts and the list with get_lists, then save."""
        require_form(form)
        account = _account(form.api_key, form.list_id)
        try:
            account.account_name()
            list_name = account.list_name(form.list_id)
        except KlaviyoError as error:
            raise refused(self.label, error.outcome) from error
        if list_name is None:
            raise Invalid(
                "unknown_list",
                "That Klaviyo account has no such list.",
                fields={"list_id": "is not a list of this account"},
            )
        return save_connection(shop_domain, self.name, form, list_name)

    def lists(self, api_key: str) -> list[dict]:
        try:
            return _account(api_key, "").lists()
        except KlaviyoError as error:
            raise refused(self.label, error.outcome) from error

    def send(self, connection, tasks) -> dict[int, Outcome]:
        account, operation = self.client(connection), tasks[0].operation
        try:
            if operation == "lead":
                return _leads(account, connection, tasks)
            if operation == "suppress":
                account.suppress(sorted({subject_email(task.subject) for task in tasks}))
                return {task.id: done() for task in tasks}
        except KlaviyoError as error:
            return {task.id: error.outcome for task in tasks}
        return {task.id: _one(account, connection, task) for task in tasks}

    def backfill_start(self, connection, state: BackfillState) -> None:
        # Every address Klaviyo ever suppressed, recorded and spread before anyone is
        # subscribed: its subscribe would clear them.
        for email, reason, _ in state.client.suppressed_since(EVERY_SUPPRESSION):
            platform_unsubscribed(connection, email, f"{reason} in Klaviyo")

    def backfill_page(self, backfill, state: BackfillState, customers, facts, held) -> int:
        profiles, size = [], ENVELOPE_BYTES
        for customer, fact in zip(customers, facts, strict=True):
            profile = {
                "email": customer.email,
                "first_name": customer.first_name,
                "last_name": customer.last_name,
                "properties": profile_properties(fact),
            }
            size += len(json.dumps(profile)) + 40
            if size > IMPORT_BYTES:
                break
            profiles.append(profile)
        state.pending.append(state.client.import_profiles(profiles))
        sent = customers[: len(profiles)]
        consents = [
            (customer.email, consented_at(customer))
            for customer in sent
            if consented(customer) and email_hash(customer.email) not in held
        ]
        backfill.held_back += sum(
            consented(customer) and email_hash(customer.email) in held for customer in sent
        )
        if consents:
            state.client.subscribe_historical(consents, BACKFILL_SOURCE)
            backfill.subscribed += len(consents)
        return len(profiles)

    def backfill_finish(self, backfill, state: BackfillState) -> None:
        """Wait for the import jobs, and record any profiles Klaviyo refused."""
        waited, failed = 0.0, 0
        for job_id in state.pending:
            while True:
                job = state.client.import_job(job_id)
                if job["status"] in ("complete", "cancelled") or waited > IMPORT_WAIT_SECONDS:
                    failed += job.get("failed_count") or 0
                    break
                time.sleep(IMPORT_POLL_SECONDS)
                waited += IMPORT_POLL_SECONDS
        if failed:
            backfill.last_error = f"Klaviyo's import refused {failed} profiles"
        if waited > IMPORT_WAIT_SECONDS:
            backfill.last_error = "Klaviyo is still importing; profiles will appear as it finishes"

    def poll_suppressions(self, connection: PlatformConnection) -> int:
        """Suppressions made inside Klaviyo since the last look, spread everywhere."""
        return _catch_up(self.client(connection), connection)


def profile_properties(facts: dict) -> dict:
    """A customer's facts as Klaviyo profile properties, segments as baton_<name> flags,
    points as baton_points_* (only where the shop runs a loyalty program)."""
    loyalty = facts.get("loyalty")
    points = {} if loyalty is None else {f"baton_{name}": value for name, value in loyalty.items()}
    return (
        {
            "shopify_orders_count": facts["orders_count"],
            "shopify_total_spent": facts["total_spent"],
            "shopify_last_order_at": facts["last_order_at"],
            "shopify_tags": facts["tags"],
        }
        | {f"baton_{name}": on for name, on in facts["segments"].items()}
        | points
    )


def _account(api_key: str, list_id: str) -> KlaviyoAccount:
    host = current_app.config["BATON"].klaviyo_base_url
    return KlaviyoAccount(api_key, list_id, host, redis_queues.connection)


def _one(account: KlaviyoAccount, connection, task) -> Outcome:
    try:
        if task.operation == "profile":
            facts = profile_of(task)
            if facts is None:
                return done("the customer is gone or has no email")
            account.upsert_profile(facts["email"], profile_properties(facts))
            return done()
        if task.operation == "loyalty_event":
            event = loyalty_event_of(task)
            if event is None:
                return done("the occasion has passed")
            account.track_event(
                event["metric"],
                event["email"],
                event["properties"],
                event["unique_id"],
                event["time"],
            )
            return done()
        checkout = checkout_of(task)
        if checkout is None:
            return done("no email on the checkout yet")
        account.track_checkout(_checkout_event(checkout))
        return done()
    except KlaviyoError as error:
        if error.outcome.kind == SUPPRESSED:
            learn_suppression(task, connection.platform, error.outcome.detail)
        return error.outcome


def _checkout_event(checkout: dict) -> dict:
    return {
        "token": checkout["token"],
        "email": checkout["email"],
        "time": checkout["time"],
        "value": checkout["value"],
        "properties": {
            "line_items": checkout["line_items"],
            "item_count": checkout["item_count"],
            "checkout_url": checkout["checkout_url"],
            "currency": checkout["currency"],
        },
    }


def _leads(account: KlaviyoAccount, connection, tasks) -> dict[int, Outcome]:
    """Events for every play in one bulk job, then one subscription job per campaign."""
    found = {task.id: lead_of(task) for task in tasks}
    outcomes = {
        task_id: done("the play is gone or was redacted")
        for task_id, lead in found.items()
        if lead is None
    }
    leads = {task_id: lead for task_id, lead in found.items() if lead is not None}
    if leads:
        account.track_leads([_lead_event(lead) for lead in leads.values()])
    willing = {task_id: lead for task_id, lead in leads.items() if lead["consented"]}
    outcomes.update(
        (task_id, done("no consent: event and properties only"))
        for task_id in leads
        if task_id not in willing
    )
    held = _held(account, connection, willing)
    outcomes.update((task_id, done(f"not subscribed: {why}")) for task_id, why in held.items())
    by_campaign: dict[str, list[tuple[int, str]]] = {}
    for task_id, lead in willing.items():
        if task_id not in held:
            by_campaign.setdefault(lead["campaign"], []).append((task_id, lead["email"]))
    for campaign, members in by_campaign.items():
        account.subscribe_many([email for _, email in members], f"Baton pop-up: {campaign}")
        outcomes.update((task_id, done("subscribed")) for task_id, _ in members)
    return outcomes


def _lead_event(lead: dict) -> dict:
    properties = {key: lead[key] for key in ("code", "prize", "campaign", "game", "variant")}
    properties["expires_at"] = lead["expires_at"]
    return {
        "play_id": lead["play_id"],
        "email": lead["email"],
        "time": lead["time"],
        "properties": properties,
        # Profile properties, so flows and templates show the code the shopper saw. A play
        # that won no code leaves them alone: the code won earlier is still the one to show.
        "profile_properties": {
            "baton_code": lead["code"],
            "baton_prize": lead["prize"],
            "baton_campaign": lead["campaign"],
            "baton_code_expires_at": lead["expires_at"],
        }
        if lead["code"]
        else {},
    }


def _held(account: KlaviyoAccount, connection: PlatformConnection, leads: dict) -> dict[int, str]:
    """The leads not to subscribe, and why: Klaviyo's subscribe would clear its suppression."""
    shop_domain = connection.shop_domain
    if len(leads) > POLL_CALLS * PROFILES_PAGE:
        # Cheaper to catch up on what Klaviyo suppressed since the last look (every
        # suppression, the first time) than to ask about each address, 100 per call.
        _catch_up(account, connection)
        return _held_by_baton(shop_domain, leads)
    held = _held_by_baton(shop_domain, leads)
    to_check = [lead["email"] for task_id, lead in leads.items() if task_id not in held]
    in_klaviyo = account.suppressions_of(to_check) if to_check else {}
    for task_id, lead in leads.items():
        reason = in_klaviyo.get(lead["email"])
        if reason and task_id not in held:
            record_suppression(shop_domain, lead["email"], "klaviyo", reason)
            held[task_id] = reason
    return held


def _catch_up(account: KlaviyoAccount, connection: PlatformConnection) -> int:
    """Record and spread what Klaviyo suppressed since the last look (the first look reads
    every suppression it holds); returns how many Baton did not know."""
    read_until = connection.suppressions_read_until
    # A little is read again each time, in case Klaviyo lists a suppression a moment after
    # its timestamp; what was heard before is not spread twice.
    since = read_until - REREAD if read_until else EVERY_SUPPRESSION
    newest, found = read_until or connection.created_at, 0
    for email, reason, at in account.suppressed_since(since):
        newest = max(newest, at)
        if read_until and at <= read_until and held_hashes(connection.shop_domain, [email]):
            continue
        found += platform_unsubscribed(connection, email, f"{reason} in Klaviyo")
    connection.suppressions_read_until = newest
    connection.suppressions_polled_at = utcnow()
    return found


def _held_by_baton(shop_domain: str, leads: dict) -> dict[int, str]:
    return {
        task_id: reason
        for task_id, lead in leads.items()
        if (reason := suppression_reason(shop_domain, lead["email"]))
    }


KLAVIYO = Klaviyo()
