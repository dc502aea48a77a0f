"""Sync: API calls per N against the vendors' batch floor ⌈N/batch⌉, backfill time against the
fakes' rate-limit floor, and the time from a play's commit to the platform's acknowledgement.

The Klaviyo and Mailchimp fakes (app/demo/klaviyo_fake.py and mailchimp_fake.py) run in this
process as loopback HTTP servers enforcing the specs' rate limits; the Procfile's worker
(`python -m workers.main`) runs as its own process against them, as in production. Each N
gets a fresh database, Redis and fakes.
"""

import math
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import create_engine, text

from app.demo.klaviyo_fake import KlaviyoFake
from app.demo.mailchimp_fake import MailchimpFake
from app.sync.platforms.rate_limits import KLAVIYO_LIMITS
from benchmarks.harness import (
    ROOT,
    SHOP,
    app_environment,
    prepare_database,
    procfile_worker,
    services,
)


def _counts(name: str, default: str) -> list[int]:
    return [int(n) for n in os.environ.get(name, default).split(",") if n.strip()]


LEAD_COUNTS = _counts("BENCH_SYNC_LEADS", "1000,10000")
PROFILE_COUNTS = _counts("BENCH_SYNC_PROFILES", "1000,10000,100000")
LIVE_LEADS = 20  # committed one at a time, about a second apart, for capture-to-platform
TIME_LIMIT_SECONDS = 900  # per run: a benchmark is bounded, and says so when it stops early
# The vendors' largest batch for each kind of call a lead needs.
LEAD_BATCH = {"klaviyo events": 1000, "klaviyo subscriptions": 1000, "mailchimp members": 500}
CONSENTED_SHARE = 2  # every second customer consented to email in Shopify
WINDOW_SECONDS = 2.0  # the default BATON_SYNC_WINDOW_SECONDS

CONNECT = f"""
from app.models import Campaign, PlatformConnection, Prize
from sqlalchemy import select
db.session.add_all([
    PlatformConnection(shop_domain="{SHOP}", platform="klaviyo", api_key="pk_bench",
                       list_id="list1"),
    PlatformConnection(shop_domain="{SHOP}", platform="mailchimp", api_key="bench-us1",
                       list_id="list1")])
campaign = Campaign(shop_domain="{SHOP}", name="Bench wheel", game="wheel", status="live")
campaign.prizes = [Prize(label="10% off", kind="percentage", value=10)]
db.session.add(campaign)
db.session.commit()
"""


def seed_leads(env: dict, count: int, first: int, one_by_one: bool = False) -> None:
    """`count` consented plays and their outbox rows, written as the play endpoint writes them."""
    commit_every = 1 if one_by_one else 500
    _in_app(
        env,
        f"""
from app.models import Campaign, Play
from app.models.types import utcnow
from app.sync.outbox import queue_sync
from sqlalchemy import select
campaign = db.session.scalar(select(Campaign))
for n in range({first}, {first + count}):
    play = Play(shop_domain="{SHOP}", campaign_id=campaign.id, prize_id=campaign.prizes[0].id,
                email=f"lead{{n}}@example.com", visitor_key=f"v{{n}}", code=f"BENCH-{{n}}",
                consented=True, variant_key="A", created_at=utcnow())
    db.session.add(play)
    db.session.flush()
    queue_sync("{SHOP}", "lead", str(play.id))
    if n % {commit_every} == {commit_every - 1}:
        db.session.commit()
db.session.commit()
""",
    )


def seed_customers(env: dict, count: int) -> None:
    """Customers Baton learned from Shopify before the platforms were connected."""
    _in_app(
        env,
        f"""
from decimal import Decimal
from sqlalchemy import insert
from app.models import Customer
from app.models.types import utcnow
now = utcnow()
for start in range(0, {count}, 5000):
    db.session.execute(insert(Customer), [
        dict(shop_domain="{SHOP}", shopify_id=n, email=f"customer{{n}}@example.com",
             first_name="Customer", last_name=str(n), tags="", orders_count=n % 4,
             total_spent=Decimal(n % 400), last_order_at=now,
             email_consent_state="subscribed" if n % {CONSENTED_SHARE} else "not_subscribed",
             email_consent_updated_at=now, created_at=now)
        for n in range(start, min(start + 5000, {count}))])
    db.session.commit()
""",
    )


def start_backfills(env: dict) -> None:
    _in_app(
        env,
        """
from sqlalchemy import select
from app.models import PlatformConnection
from app.sync.backfill import queue_backfill, start_backfill
runs = [start_backfill(c) for c in db.session.scalars(select(PlatformConnection))]
db.session.commit()
for run in runs:
    queue_backfill(run)
""",
    )


def _in_app(env: dict, body: str) -> str:
    script = "from app import create_app\nfrom app.extensions import db\n"
    script += "with create_app().app_context():\n"
    script += "".join(f"    {line}\n" for line in body.strip().splitlines())
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def wait_until(engine, query: str, started: float) -> float | None:
    """Seconds until `query` returns 0, or None when the time limit came first."""
    while time.perf_counter() - started < TIME_LIMIT_SECONDS:
        with engine.connect() as connection:
            if connection.execute(text(query)).scalar() == 0:
                return time.perf_counter() - started
        time.sleep(0.25)
    return None


@contextmanager
def fresh_run():
    with (
        KlaviyoFake(api_keys=("pk_bench",)) as klaviyo,
        MailchimpFake(api_key="bench-us1") as mailchimp,
        services("sqlite") as (redis, database_url),
    ):
        env = app_environment(database_url, redis.url) | {
            "KLAVIYO_BASE_URL": klaviyo.url,
            "MAILCHIMP_BASE_URL": mailchimp.url,
            "BATON_SWEEP_INTERVAL": "1",
        }
        prepare_database(env)
        _in_app(env, CONNECT)
        yield env, create_engine(database_url), klaviyo, mailchimp


def calls_by_kind(klaviyo: KlaviyoFake, mailchimp: MailchimpFake) -> Counter:
    kinds = Counter()
    for method, path in klaviyo.requests:
        kinds[f"klaviyo {method} {_shape(path.split('?')[0])}"] += 1
    for method, path in mailchimp.requests:
        kinds[f"mailchimp {method} {_shape(path)}"] += 1
    return kinds


def _shape(path: str) -> str:
    # Ids in paths would make every call its own row.
    parts = path.strip("/").split("/")
    if "members" in parts:
        return "/".join(parts[: parts.index("members") + 1]) + "/{member}…"
    if parts[0] == "batch-results" or (len(parts) >= 3 and parts[-2] in ("batches",)):
        return "/".join(parts[:-1]) + "/{id}"
    if len(parts) >= 3 and parts[-2] == "profile-bulk-import-jobs":
        return "/".join(parts[:-1]) + "/{id}"
    return "/".join(parts)


def report_calls(kinds: Counter, n: int, floors: dict, what: str) -> None:
    """Calls made against the floor: for each kind of call, ⌈items/batch⌉."""
    calls, floor = sum(kinds.values()), sum(floors.values())
    for kind, count in sorted(kinds.items()):
        print(f"      {kind:62s} {count:6d}")
    print(
        f"    API calls for {n:,} {what}: {calls:,}; floor Σ⌈N/batch⌉ = {floor:,}"
        f" ({', '.join(f'{k} {v:,}' for k, v in floors.items())}); ratio {calls / floor:.1f}x"
    )


def leads(n: int) -> None:
    with fresh_run() as (env, engine, klaviyo, mailchimp):
        seed_leads(env, n, 0)
        started = time.perf_counter()
        with procfile_worker(env):
            seconds = wait_until(
                engine, "SELECT count(*) FROM sync_task WHERE status != 'done'", started
            )
        if seconds is None:
            print(f"    {n:,} leads: not drained within {TIME_LIMIT_SECONDS} s")
            return
        print(f"    {n:,} leads drained in {seconds:.1f} s ({n / seconds:,.0f} leads/s)")
        floors = {kind: math.ceil(n / size) for kind, size in LEAD_BATCH.items()}
        report_calls(calls_by_kind(klaviyo, mailchimp), n, floors, "leads")


def rate_floor_seconds(calls: Counter) -> float:
    """The least time Klaviyo's published limits allow for these calls, operations in parallel."""
    floor = 0.0
    for operation, count in calls.items():
        burst, steady = KLAVIYO_LIMITS[operation]
        floor = max(floor, (count - 1) // burst, ((count - 1) // steady) * 60.0)
    return floor


def backfill(n: int) -> None:
    with fresh_run() as (env, engine, klaviyo, mailchimp):
        seed_customers(env, n)
        started, cpu, fakes_cpu = time.perf_counter(), {}, time.process_time()
        start_backfills(env)
        with procfile_worker(env, cpu):
            seconds = wait_until(
                engine,
                "SELECT count(*) FROM email_backfill WHERE status NOT IN ('done', 'failed')",
                started,
            )
        with engine.connect() as connection:
            runs = connection.execute(
                text(
                    "SELECT platform, status, sent, subscribed, api_calls, last_error,"
                    " updated_at FROM email_backfill ORDER BY platform"
                )
            ).all()
        if seconds is None:
            print(f"    {n:,} profiles: backfill not finished within {TIME_LIMIT_SECONDS} s")
        kinds = calls_by_kind(klaviyo, mailchimp)
        operations = Counter(
            {
                "get_profiles": kinds["klaviyo GET api/profiles"],
                "bulk_import_profiles": kinds["klaviyo POST api/profile-bulk-import-jobs"],
                "get_bulk_import_profiles_job": kinds[
                    "klaviyo GET api/profile-bulk-import-jobs/{id}"
                ],
                "bulk_subscribe_profiles": kinds[
                    "klaviyo POST api/profile-subscription-bulk-create-jobs"
                ],
            }
        )
        floor = rate_floor_seconds(operations)
        for platform, status, sent, subscribed, api_calls, error, _ in runs:
            print(
                f"    {platform:9s} {status}: {sent:,} sent, {subscribed:,} subscribed"
                f" (historical consent), {api_calls:,} API calls"
                + (f"; note: {error}" if error else "")
            )
        if seconds is not None:
            print(
                f"    backfill of {n:,} profiles to both platforms: {seconds:.1f} s"
                f" ({n / seconds:,.0f} profiles/s); the fakes' rate-limit floor for the same"
                f" calls: {floor:.0f} s (Klaviyo's windows; Mailchimp limits connections only)"
            )
            print(
                f"    where the time went: Baton's worker used {cpu['worker']:.0f} CPU s; the"
                f" fakes (validating every body against the specs, in this process)"
                f" {time.process_time() - fakes_cpu:.0f} CPU s"
            )
        floors = {"klaviyo imports": math.ceil(n / 10_000), "mailchimp members": math.ceil(n / 500)}
        floors["klaviyo subscriptions"] = math.ceil(n // CONSENTED_SHARE / 1000)
        report_calls(kinds, n, floors, "profiles")


def capture_to_platform() -> None:
    with fresh_run() as (env, engine, klaviyo, mailchimp), procfile_worker(env):
        time.sleep(3)  # the worker is up and idle, as in a quiet shop
        for n in range(LIVE_LEADS):
            seed_leads(env, 1, n, one_by_one=True)
        time.sleep(6)
        with engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT sync_task.done_at, play.created_at FROM sync_task"
                    " JOIN play ON CAST(play.id AS TEXT) = sync_task.subject"
                    " WHERE sync_task.status = 'done'"
                )
            ).all()
    live = [(_at(done) - _at(made)).total_seconds() for done, made in rows]
    p95 = statistics.quantiles(live, n=20)[18] if len(live) >= 20 else float("nan")
    print(
        f"    capture-to-platform (play commit to the vendor's acknowledgement, recorded by"
        f" the worker, batching window {WINDOW_SECONDS:g} s), {len(live)} tasks:"
        f" median {statistics.median(live):.2f} s, p95 {p95:.2f} s (target: well within 5 s)"
    )


def _at(value):
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def main() -> None:
    print("sync: Klaviyo and Mailchimp fakes with the specs' rate limits, one Procfile worker")
    print("  live pop-up leads (every one consented):")
    for n in LEAD_COUNTS:
        leads(n)
    print("  backfill of existing customers (half consented in Shopify):")
    for n in PROFILE_COUNTS:
        backfill(n)
    print("  capture to platform:")
    capture_to_platform()


if __name__ == "__main__":
    main()
