"""What each sync task does on each platform, ending in one Outcome."""

import re
from typing import NamedTuple

from flask import current_app
from sqlalchemy import select

from app.extensions import db, redis_queues
from app.models import (
    Campaign,
    Checkout,
    CouponCode,
    Customer,
    PlatformConnection,
    Play,
    Prize,
    SyncTask,
)
from app.models.types import utcnow
from app.sync.klaviyo import KlaviyoAccount, KlaviyoError
from app.sync.mailchimp import (
    MailchimpAudience,
    MailchimpError,
    MemberCall,
    event_calls,
    lead_calls,
    profile_calls,
    unsubscribe_calls,
)
from app.sync.outbox import subject_email
from app.sync.outcomes import DONE, SUPPRESSED, TRANSIENT, WAITING, Outcome, done
from app.sync.profile_facts import profile_facts
from app.sync.segments import segments_of
from app.sync.suppression import record_suppression, suppression_reason

# Mailchimp: below this many tasks, calls at once are quicker than a batch's round trips.
MAILCHIMP_BATCH_FROM = 10
MAILCHIMP_BATCH_SIZE = 500


class Planned(NamedTuple):
    """The member calls one task needs, and what to say when they succeed."""

    calls: list[MemberCall]
    detail: str


def client_for(connection: PlatformConnection):
    """The SDK wrapper for a connection, pointed at the fakes when settings say so."""
    settings = current_app.config["BATON"]
    if connection.platform == "klaviyo":
        return KlaviyoAccount(
            connection.api_key,
            connection.list_id,
            settings.klaviyo_base_url,
            redis_queues.connection,
        )
    return MailchimpAudience(
        connection.api_key, connection.list_id, settings.mailchimp_base_url, redis_queues.connection
    )


def perform_batch(tasks: list[SyncTask], connection: PlatformConnection) -> dict[int, Outcome]:
    """Send tasks of one operation; batched where the vendor takes many per call."""
    client = client_for(connection)
    batch = BATCH_OPERATIONS.get((connection.platform, tasks[0].operation))
    if batch is None:
        return {task.id: perform(task, connection, client) for task in tasks}
    try:
        return batch(client, connection, tasks)
    except (KlaviyoError, MailchimpError) as error:
        return {task.id: error.outcome for task in tasks}


def perform(task: SyncTask, connection: PlatformConnection, client) -> Outcome:
    """Run one task against its platform."""
    operation = OPERATIONS[(connection.platform, task.operation)]
    try:
        return operation(client, connection, task) or done()
    except (KlaviyoError, MailchimpError) as error:
        if error.outcome.kind == SUPPRESSED:
            _learn_suppression(task, connection, error.outcome.detail)
        return error.outcome


def klaviyo_leads(account: KlaviyoAccount, connection, tasks) -> dict[int, Outcome]:
    """Events for every play in one bulk job, then one subscription job for the consented."""
    found = {task.id: _lead(task) for task in tasks}
    outcomes = {
        task_id: done("the play is gone or was redacted")
        for task_id, lead in found.items()
        if lead is None
    }
    leads = {task_id: lead for task_id, lead in found.items() if lead is not None}
    if leads:
        account.track_leads(list(leads.values()))
    consented = {task_id: lead for task_id, lead in leads.items() if lead["consented"]}
    outcomes.update(
        (task_id, done("no consent: event and properties only"))
        for task_id in leads
        if task_id not in consented
    )
    refused = _refused(account, connection.shop_domain, consented)
    outcomes.update((task_id, done(f"not subscribed: {why}")) for task_id, why in refused.items())
    by_campaign: dict[str, list[tuple[int, str]]] = {}
    for task_id, lead in consented.items():
        if task_id not in refused:
            campaign = lead["properties"]["campaign"]
            by_campaign.setdefault(campaign, []).append((task_id, lead["email"]))
    for campaign, members in by_campaign.items():
        account.subscribe_many([email for _, email in members], f"Baton pop-up: {campaign}")
        outcomes.update((task_id, done("subscribed")) for task_id, _ in members)
    return outcomes


def _refused(account: KlaviyoAccount, shop_domain: str, leads: dict) -> dict[int, str]:
    # Baton's list first, then Klaviyo's own: its subscribe would clear its suppression.
    refused = {
        task_id: reason
        for task_id, lead in leads.items()
        if (reason := suppression_reason(shop_domain, lead["email"]))
    }
    to_check = [lead["email"] for task_id, lead in leads.items() if task_id not in refused]
    in_klaviyo = account.suppressions_of(to_check) if to_check else {}
    for task_id, lead in leads.items():
        reason = in_klaviyo.get(lead["email"])
        if reason and task_id not in refused:
            record_suppression(shop_domain, lead["email"], "klaviyo", reason)
            refused[task_id] = reason
    return refused


def mailchimp_lead(connection, task) -> Outcome | Planned:
    lead = _lead(task)
    if lead is None:
        return done("the play is gone or was redacted")
    reason = suppression_reason(task.shop_domain, lead["email"])
    if reason:
        status = "unsubscribed"
    elif lead["consented"]:
        status = "pending" if connection.double_optin else "subscribed"
    else:
        status = "transactional"
    facts = lead["properties"]
    # As on Klaviyo: a play without a code keeps the code the member already holds.
    merge_fields = (
        {"COUPON": facts["code"], "PRIZE": facts["prize"], "CAMPAIGN": facts["campaign"]}
        if facts["code"]
        else {}
    )
    tags = [f"baton-campaign-{_slug(facts['campaign'])}", f"baton-game-{facts['game']}"]
    calls = lead_calls(lead["email"], status, merge_fields, tags)
    return Planned(calls, f"member added as {status} if new")


def klaviyo_suppressions(account: KlaviyoAccount, connection, tasks) -> dict[int, Outcome]:
    account.suppress(sorted({subject_email(task.subject) for task in tasks}))
    return {task.id: done() for task in tasks}


def mailchimp_suppress(connection, task) -> Planned:
    return Planned(unsubscribe_calls(subject_email(task.subject)), "unsubscribed")


def klaviyo_checkout(account: KlaviyoAccount, connection, task) -> Outcome | None:
    checkout = _checkout(task)
    if checkout is None:
        return done("no email on the checkout yet")
    account.track_checkout(checkout)
    return None


def mailchimp_checkout(connection, task) -> Outcome | Planned:
    checkout = _checkout(task)
    if checkout is None:
        return done("no email on the checkout yet")
    return Planned(event_calls(checkout["email"], "started_checkout", checkout["flat"]), "")


def klaviyo_profile(account: KlaviyoAccount, connection, task) -> Outcome | None:
    profile = _profile(task)
    if profile is None:
        return done("the customer is gone or has no email")
    account.upsert_profile(profile["email"], profile["klaviyo"])
    return None


def mailchimp_profile(connection, task) -> Outcome | Planned:
    profile = _profile(task)
    if profile is None:
        return done("the customer is gone or has no email")
    return Planned(profile_calls(profile["email"], profile["mailchimp"], profile["tags"]), "")


OPERATIONS = {
    ("klaviyo", "profile"): klaviyo_profile,
    ("klaviyo", "checkout"): klaviyo_checkout,
}
# Mailchimp operations plan their calls, which go out one by one or inside a batch.
MAILCHIMP_PLANS = {
    "lead": mailchimp_lead,
    "suppress": mailchimp_suppress,
    "profile": mailchimp_profile,
    "checkout": mailchimp_checkout,
}


def mailchimp_tasks(audience: MailchimpAudience, connection, tasks) -> dict[int, Outcome]:
    """A few tasks go out call by call, at once; more go as one batch operation."""
    if len(tasks) < MAILCHIMP_BATCH_FROM:
        return {task.id: _mailchimp_now(audience, connection, task) for task in tasks}
    outcomes, operations = {}, []
    for task in tasks:
        plan = MAILCHIMP_PLANS[task.operation](connection, task)
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


def collect_mailchimp_batch(
    tasks: list[SyncTask], connection: PlatformConnection, batch_id: str
) -> dict[int, Outcome] | None:
    """Each task's outcome from a finished batch, or None while Mailchimp is still working."""
    results = client_for(connection).batch_results(batch_id)
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
            outcomes[task.id] = _mailchimp_refusal(task, connection, failed)
        else:
            outcomes[task.id] = done(f"sent in batch {batch_id}")
    return outcomes


def _mailchimp_now(audience: MailchimpAudience, connection, task) -> Outcome:
    plan = MAILCHIMP_PLANS[task.operation](connection, task)
    if isinstance(plan, Outcome):
        return plan
    try:
        audience.send(plan.calls)
    except MailchimpError as error:
        return _mailchimp_refusal(task, connection, error.outcome)
    return done(plan.detail)


def _mailchimp_refusal(task: SyncTask, connection, outcome: Outcome) -> Outcome:
    if task.operation == "checkout" and outcome.status == 404:
        return done("not a member of the audience: nothing to journey on")
    if outcome.kind == SUPPRESSED:
        _learn_suppression(task, connection, outcome.detail)
    return outcome


def _lead(task: SyncTask) -> dict | None:
    play = db.session.scalar(
        select(Play).where(Play.id == int(task.subject), Play.shop_domain == task.shop_domain)
    )
    if play is None or not play.email:
        return None
    campaign = db.session.get(Campaign, play.campaign_id)
    prize = db.session.get(Prize, play.prize_id) if play.prize_id else None
    code = (
        db.session.scalar(select(CouponCode).where(CouponCode.play_id == play.id))
        if play.code
        else None
    )
    expires = code.expires_at.isoformat() if code and code.expires_at else None
    properties = {
        "code": play.code,
        "prize": prize.label if prize else "",
        "campaign": campaign.name if campaign else "",
        "game": campaign.game if campaign else "",
        "variant": play.variant_key,
        "expires_at": expires,
    }
    return {
        "play_id": play.id,
        "email": play.email,
        "consented": play.consented,
        "time": play.created_at.isoformat(),
        "properties": properties,
        # Profile properties, so flows and templates can show the code the shopper saw. A play
        # that won no code leaves them alone: the code won earlier is still the one to show.
        "profile_properties": {
            "baton_code": play.code,
            "baton_prize": properties["prize"],
            "baton_campaign": properties["campaign"],
            "baton_code_expires_at": expires,
        }
        if play.code
        else {},
    }


def _profile(task: SyncTask) -> dict | None:
    # The subject is "<customer id>@<change time>": one task per change, the latest state sent.
    customer = db.session.scalar(
        select(Customer).where(
            Customer.id == int(task.subject.split("@", 1)[0]),
            Customer.shop_domain == task.shop_domain,
        )
    )
    if customer is None or not customer.email:
        return None
    return profile_facts(customer, segments_of(customer, utcnow()))


def _checkout(task: SyncTask) -> dict | None:
    checkout = db.session.scalar(
        select(Checkout).where(
            Checkout.shop_domain == task.shop_domain, Checkout.token == task.subject
        )
    )
    if checkout is None or not checkout.email:
        return None
    lines = checkout.line_items or []
    value = float(checkout.total) if checkout.total is not None else None
    properties = {
        "line_items": lines,
        "item_count": sum(int(line.get("quantity") or 0) for line in lines),
        "checkout_url": checkout.abandoned_checkout_url,
        "currency": checkout.currency,
    }
    return {
        "token": checkout.token,
        "email": checkout.email,
        "time": (checkout.source_updated_at or checkout.started_at).isoformat(),
        "value": value,
        "properties": properties,
        "flat": {
            "value": value if value is not None else "",
            "checkout_url": checkout.abandoned_checkout_url or "",
            "item_count": properties["item_count"],
        },
    }


def _learn_suppression(task: SyncTask, connection, detail: str) -> None:
    email = (
        subject_email(task.subject)
        if task.operation == "suppress"
        else (_lead(task) or {}).get("email")
    )
    if email:
        record_suppression(task.shop_domain, email, connection.platform, detail[:120])


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "campaign"


# Sent many per call: the vendor's maximum batch for each.
BATCH_OPERATIONS = {
    ("klaviyo", "lead"): klaviyo_leads,
    ("klaviyo", "suppress"): klaviyo_suppressions,
} | {("mailchimp", operation): mailchimp_tasks for operation in MAILCHIMP_PLANS}
BATCH_SIZES = {("klaviyo", "lead"): 1000, ("klaviyo", "suppress"): 100} | {
    ("mailchimp", operation): MAILCHIMP_BATCH_SIZE for operation in MAILCHIMP_PLANS
}
