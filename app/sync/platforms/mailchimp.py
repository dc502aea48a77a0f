"""Mailchimp: members upserted without ever re-subscribing, batches for bursts, list webhooks.

Every task plans its member calls. Fewer than ten tasks go out call by call at once; more go
as one batch operation (up to 1,000 tasks), whose results are collected later and settle each
task from its own calls' answers. "Member In Compliance State" is a suppression, never a
retry. Unsubscribes made in Mailchimp arrive through the list webhook (mailchimp_webhooks.py).
"""

import re
import secrets
from typing import NamedTuple

from flask import current_app, url_for

from app.extensions import redis_queues
from app.models import PlatformConnection, SyncTask
from app.problems import Invalid
from app.sync.outbox import subject_email
from app.sync.outcomes import DONE, SUPPRESSED, TRANSIENT, WAITING, Outcome, done
from app.sync.platforms.base import BackfillState, Callback, ConnectForm, Platform
from app.sync.platforms.connections import refused, require_form, save_connection
from app.sync.platforms.mailchimp_audience import (
    MailchimpAudience,
    MailchimpError,
    MemberCall,
    event_calls,
    lead_calls,
    profile_calls,
    server_of,
    unsubscribe_calls,
)
from app.sync.platforms.mailchimp_webhooks import bp as list_webhooks
from app.sync.profile_facts import consented, consented_at
from app.sync.subjects import (
    checkout_of,
    lead_of,
    learn_suppression,
    loyalty_event_of,
    profile_of,
)
from app.sync.suppression import email_hash, suppression_reason

# Below this many tasks, calls at once are quicker than a batch's round trips.
BATCH_FROM = 10
# Tasks per batch operation. The batch endpoint sets no limit on operations; Mailchimp's own
# guide adds 1,000 contacts in one batch. Each batch costs three calls (start, status,
# results), so fuller batches save calls in a burst.
BATCH_SIZE = 1000
MEMBERS_PER_CALL = 500  # POST /lists/{id}: Mailchimp's maximum


class Planned(NamedTuple):
    """The member calls one task needs, and what to say when they succeed."""

    calls: list[MemberCall]
    detail: str


class Mailchimp(Platform):
    name, label = "mailchimp", "Mailchimp"
    key_hint = "a Mailchimp API key ending with its data center (-usN)"
    batch_sizes = dict.fromkeys(
        ("lead", "suppress", "profile", "checkout", "loyalty_event"), BATCH_SIZE
    )
    backfill_page_size = MEMBERS_PER_CALL

    def client(self, connection: PlatformConnection) -> MailchimpAudience:
        return _audience(connection.api_key, connection.list_id)

    def connect(self, shop_domain: str, form: ConnectForm) -> PlatformConnection:
        """Ping with the key, read the audience, create its merge fields, then save."""
        require_form(form)
        _require_data_center(form.api_key)
        audience = _audience(form.api_key, form.list_id)
        try:
            audience.ping()
            found = audience.audience(form.list_id)
            audience.ensure_merge_fields()
        except MailchimpError as error:
            raise refused(self.label, error.outcome) from error
        connection = save_connection(shop_domain, self.name, form, found["name"])
        # The audience's own setting, unless the merchant asks for double opt-in regardless.
        connection.double_optin = found["double_optin"] or form.double_optin
        if not connection.webhook_secret:
            connection.webhook_secret = secrets.token_urlsafe(24)
        return connection

    def lists(self, api_key: str) -> list[dict]:
        _require_data_center(api_key)
        try:
            return _audience(api_key, "").audiences()
        except MailchimpError as error:
            raise refused(self.label, error.outcome) from error

    def send(self, connection, tasks) -> dict[int, Outcome]:
        """A few tasks go out call by call, at once; more go as one batch operation."""
        audience = self.client(connection)
        try:
            if len(tasks) < BATCH_FROM:
                return {task.id: _now(audience, connection, task) for task in tasks}
            return _batch(audience, connection, tasks)
        except MailchimpError as error:
            return {task.id: error.outcome for task in tasks}

    def collect(self, connection, tasks, batch_id) -> dict[int, Outcome] | None:
        """Each task's outcome from a finished batch, or None while Mailchimp still works."""
        results = self.client(connection).batch_results(batch_id)
        if results is None:
            return None
        by_task: dict[str, list[Outcome]] = {}
        for operation_id, outcome in sorted(results.items()):
            by_task.setdefault(operation_id.split(".", 1)[0], []).append(outcome)
        outcomes = {}
        for task in tasks:
            mine = by_task.get(str(task.id))
            failed = next((outcome for outcome in mine or () if outcome.kind != DONE), None)
            if not mine:
                outcomes[task.id] = Outcome(TRANSIENT, f"batch {batch_id} returned nothing for it")
            elif failed is not None:
                outcomes[task.id] = _refusal(task, connection, failed)
            else:
                outcomes[task.id] = done(f"sent in batch {batch_id}")
        return outcomes

    def backfill_page(self, backfill, state: BackfillState, customers, facts, held) -> int:
        # Batch subscribe, never updating an existing member: an unsubscribed one stays so.
        members = []
        for customer, fact in zip(customers, facts, strict=True):
            if email_hash(customer.email) in held:
                status = "unsubscribed"
                backfill.held_back += consented(customer)
            elif consented(customer):
                status = "subscribed"
                backfill.subscribed += 1
            else:
                status = "transactional"
            member = {
                "email_address": customer.email,
                "status": status,
                "merge_fields": merge_fields(fact),
            }
            if status == "subscribed":
                # Mailchimp keeps when consent was given, for the audience's own records.
                member["timestamp_opt"] = consented_at(customer)
            members.append(member)
        refusals = state.client.add_members(members)
        if refusals:
            backfill.last_error = "; ".join(f"{e}: {why}" for e, why in refusals.items())[:500]
        return len(members)

    def admin_details(self, connection: PlatformConnection) -> dict:
        if not connection.webhook_secret:
            return {}
        # Paste into Mailchimp: Audience > Settings > Webhooks (unsubscribes and cleaned).
        url = url_for(
            "mailchimp_webhooks.receive",
            connection_id=connection.id,
            secret=connection.webhook_secret,
            _external=True,
        )
        return {"webhook_url": url}

    def blueprint(self):
        return list_webhooks

    def callbacks(self) -> list[Callback]:
        event = {
            "type": "object",
            "properties": {
                "type": {
                    "type": "string",
                    "description": "unsubscribe and cleaned are acted on; others ignored",
                },
                "data[email]": {"type": "string", "maxLength": 320, "format": "email"},
                "data[list_id]": {"type": "string"},
            },
            "required": ["type"],
        }
        return [
            Callback(
                path="/webhooks/mailchimp/{connection_id}/{secret}",
                endpoint="mailchimp_webhooks.receive",
                check="Mailchimp's check that the URL exists",
                receive="An unsubscribe or cleaned address from a Mailchimp audience",
                form_name="MailchimpEvent",
                form=event,
            )
        ]


def merge_fields(facts: dict) -> dict:
    """A customer's facts as the audience's merge fields; points where a program runs."""
    fields = {
        "ORDERS": str(facts["orders_count"]),
        "SPENT": facts["total_spent"],
        "LASTORDER": facts["last_order_at"] or "",
    }
    loyalty = facts.get("loyalty")
    if loyalty is not None:
        fields["POINTS"] = str(loyalty["points"])
        fields["NEXTREWARD"] = str(loyalty["points_to_next_reward"])
        fields["TIER"] = loyalty["tier"]
        fields["REFERRAL"] = loyalty["referral_url"]
    return fields


def segment_tags(facts: dict) -> dict[str, bool]:
    """Segments as tags set active or inactive, so people move out as well as in."""
    return {f"baton-{name.replace('_', '-')}": on for name, on in facts["segments"].items()}


def _audience(api_key: str, list_id: str) -> MailchimpAudience:
    host = current_app.config["BATON"].mailchimp_base_url
    return MailchimpAudience(api_key, list_id, host, redis_queues.connection)


def _require_data_center(api_key: str) -> None:
    if server_of(api_key) is None:
        raise Invalid(
            "invalid_key",
            "A Mailchimp API key ends with its data center, such as -us21.",
            fields={"api_key": "must end with the data center, such as -us21"},
        )


def _plan(connection: PlatformConnection, task: SyncTask) -> Outcome | Planned:
    """The calls one task needs, or its outcome when there is nothing to send."""
    if task.operation == "suppress":
        return Planned(unsubscribe_calls(subject_email(task.subject)), "unsubscribed")
    if task.operation == "lead":
        return _lead_plan(connection, task)
    if task.operation == "profile":
        facts = profile_of(task)
        if facts is None:
            return done("the customer is gone or has no email")
        calls = profile_calls(facts["email"], merge_fields(facts), segment_tags(facts))
        return Planned(calls, "")
    if task.operation == "loyalty_event":
        event = loyalty_event_of(task)
        if event is None:
            return done("the occasion has passed")
        return Planned(event_calls(event["email"], event["name"], event["properties"]), "")
    checkout = checkout_of(task)
    if checkout is None:
        return done("no email on the checkout yet")
    flat = {
        "value": checkout["value"] if checkout["value"] is not None else "",
        "checkout_url": checkout["checkout_url"] or "",
        "item_count": checkout["item_count"],
    }
    return Planned(event_calls(checkout["email"], "started_checkout", flat), "")


def _lead_plan(connection: PlatformConnection, task: SyncTask) -> Outcome | Planned:
    lead = lead_of(task)
    if lead is None:
        return done("the play is gone or was redacted")
    if suppression_reason(task.shop_domain, lead["email"]):
        status = "unsubscribed"
    elif lead["consented"]:
        status = "pending" if connection.double_optin else "subscribed"
    else:
        status = "transactional"
    # As on Klaviyo: a play without a code keeps the code the member already holds.
    fields = (
        {"COUPON": lead["code"], "PRIZE": lead["prize"], "CAMPAIGN": lead["campaign"]}
        if lead["code"]
        else {}
    )
    tags = [f"baton-campaign-{_slug(lead['campaign'])}", f"baton-game-{lead['game']}"]
    return Planned(
        lead_calls(lead["email"], status, fields, tags), f"member added as {status} if new"
    )


def _now(audience: MailchimpAudience, connection, task) -> Outcome:
    plan = _plan(connection, task)
    if isinstance(plan, Outcome):
        return plan
    try:
        audience.send(plan.calls)
    except MailchimpError as error:
        return _refusal(task, connection, error.outcome)
    return done(plan.detail)


def _batch(audience: MailchimpAudience, connection, tasks) -> dict[int, Outcome]:
    outcomes, operations = {}, []
    for task in tasks:
        plan = _plan(connection, task)
        if isinstance(plan, Outcome):
            outcomes[task.id] = plan
            continue
        operations += [(f"{task.id}.{n}", call) for n, call in enumerate(plan.calls)]
    if operations:
        batch_id = audience.start_batch(operations)
        outcomes.update(
            (task.id, Outcome(WAITING, batch_id)) for task in tasks if task.id not in outcomes
        )
    return outcomes


def _refusal(task: SyncTask, connection, outcome: Outcome) -> Outcome:
    if task.operation in ("checkout", "loyalty_event") and outcome.status == 404:
        return done("not a member of the audience: nothing to journey on")
    if outcome.kind == SUPPRESSED:
        learn_suppression(task, connection.platform, outcome.detail)
    return outcome


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "campaign"


MAILCHIMP = Mailchimp()
